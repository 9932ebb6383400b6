from crmkit import green

green.patch()  # before anything opens a socket or creates a lock

from crmkit.runner import main  # noqa: E402

from service_desk.service import ServiceDeskService  # noqa: E402

main("service_desk", ServiceDeskService)
