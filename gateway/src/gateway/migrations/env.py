from crmkit.migrations import run_env

run_env()
