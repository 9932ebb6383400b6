from crmkit import green

green.patch()  # before anything opens a socket or creates a lock

from crmkit.runner import main  # noqa: E402

from scheduler.service import SchedulerService  # noqa: E402

main("scheduler", SchedulerService)
