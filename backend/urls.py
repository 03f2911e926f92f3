"""URL routes."""

from django.conf import settings
from django.contrib import admin
from django.urls import path
from django.views.decorators.csrf import csrf_exempt

from accounts.views import kakao_unlink_callback
from backend.health import healthz, readyz
from backend.middleware import ADMIN_PATH
from schema.views import GraphQLView

# csrf_exempt: the view applies its own CSRF rule (schema/csrf.py).
graphql_view = csrf_exempt(GraphQLView.as_view(graphiql=settings.GRAPHIQL_ENABLED))

urlpatterns = [
    path(ADMIN_PATH.lstrip("/"), admin.site.urls),
    path("healthz", healthz),
    path("readyz", readyz),
    path("graphql", graphql_view),
    path("graphql/", graphql_view),
    # Registered in the Kakao console as the unlink callback (연결 끊기 알림).
    path("kakao/unlink-callback", kakao_unlink_callback),
]
