"""URL routes."""

from django.conf import settings
from django.contrib import admin
from django.urls import path
from django.views.decorators.csrf import csrf_exempt

from accounts.views import kakao_unlink_callback
from backend import admin_lockout
from backend.health import healthz, readyz
from backend.metrics import metrics_view
from backend.middleware import ADMIN_PATH
from schema.graphiql_callback import graphiql_callback
from schema.views import GraphQLView

# csrf_exempt: the view applies its own CSRF rule (schema/csrf.py).
graphql_view = csrf_exempt(GraphQLView.as_view(graphiql=settings.GRAPHIQL_ENABLED))

urlpatterns = [
    # Before the admin's own routes, so that its login form is the guarded one.
    path(f"{ADMIN_PATH.lstrip('/')}login/", admin_lockout.guard(admin.site.login)),
    path(ADMIN_PATH.lstrip("/"), admin.site.urls),
    path("healthz", healthz),
    path("readyz", readyz),
    # Prometheus' scrape target: off unless METRICS_ENABLED=1, then token or address only.
    path("metrics", metrics_view),
    path("graphql", graphql_view),
    path("graphql/", graphql_view),
    # Registered in the Kakao console as the unlink callback (연결 끊기 알림).
    path("kakao/unlink-callback", kakao_unlink_callback),
    # Kakao's redirect back into GraphiQL; DEBUG only (404 otherwise).
    path("graphiql/callback", graphiql_callback),
]
