from crmkit.migrations import run_env

# Not audited by the trigger: the gateway's tables hold password hashes and tokens, which an
# audit trail must not copy.
run_env(audit=False)
