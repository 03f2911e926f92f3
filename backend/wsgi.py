"""WSGI entry point: ``application`` for any WSGI server, ``worker_application`` for granian."""

import os

from django.core.wsgi import get_wsgi_application

from backend.configuration import check_or_exit, load_settings_or_exit

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "backend.settings")
# The server loads this module before it starts a worker (gunicorn.conf.py's preload_app,
# backend/serve.py): a setting that cannot be read, or one the system checks refuse, stops
# it before it listens.
load_settings_or_exit()
check_or_exit()
application = get_wsgi_application()

# What a WSGI server itself puts in a request's environ: never taken away below.
_CGI = frozenset(
    "REQUEST_METHOD SCRIPT_NAME PATH_INFO QUERY_STRING CONTENT_TYPE CONTENT_LENGTH SERVER_NAME "
    "SERVER_PORT SERVER_PROTOCOL SERVER_SOFTWARE GATEWAY_INTERFACE REMOTE_ADDR REMOTE_PORT "
    "REQUEST_URI RAW_URI".split()
)


def worker_application():
    """The application for one granian worker (``factory=True``: called in each worker).

    Granian copies the process environment into every request's environ, as CGI did: the
    secret key, the database URL and Kakao's admin key would be in ``request.META``, where an
    error report could show them. They are taken out again, and the live gauges of a worker
    that died before this one started stop counting (granian has no hook for its exit).
    """
    from backend import multiproc

    directory = multiproc.directory()
    if directory is not None:
        multiproc.forget_dead_workers(directory)
    return without_process_environment(application, os.environ)


def without_process_environment(app, process_environment):
    """``app`` with the process's variables taken out of each request's environ.

    An ``HTTP_*`` variable (``HTTP_PROXY``, which may carry a password) looks like a request
    header: it is taken out when the environ holds the process's value, i.e. unless the
    client sent that header with another value.
    """
    hidden = tuple(
        name
        for name in process_environment
        if name not in _CGI and not name.startswith(("HTTP_", "wsgi."))
    )
    lookalikes = tuple(
        (name, value) for name, value in process_environment.items() if name.startswith("HTTP_")
    )

    def app_without_process_environment(environ, start_response):
        for name in hidden:
            environ.pop(name, None)
        for name, value in lookalikes:
            if environ.get(name) == value:
                del environ[name]
        return app(environ, start_response)

    return app_without_process_environment
