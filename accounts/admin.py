from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as DjangoUserAdmin
from django.db import models
from django.utils.html import format_html, format_html_join

from accounts.models import (
    KakaoScopeConsent,
    KakaoServiceTermConsent,
    RefreshToken,
    SecurityEvent,
    SocialAccount,
    User,
)
from accounts.services.devices import end_all_sessions, end_sessions_by_admin
from accounts.services.events import EndCause
from accounts.useragent import describe


class SocialAccountInline(admin.TabularInline):
    model = SocialAccount
    extra = 0
    fields = ("provider", "uid", "created", "updated")
    readonly_fields = ("provider", "uid", "created", "updated")
    can_delete = True


class RefreshTokenInline(admin.TabularInline):
    """The user's live sessions (refresh tokens), read-only; never the token itself."""

    model = RefreshToken
    extra = 0
    verbose_name = "live session"
    verbose_name_plural = "live sessions (end them with the “End all sessions” action)"
    fields = ("family", "created", "rotated")
    readonly_fields = ("family", "created", "rotated")
    can_delete = False
    ordering = ("-created",)

    def get_queryset(self, request):
        return super().get_queryset(request).filter(revoked__isnull=True)

    def has_add_permission(self, request, obj=None):
        return False


@admin.register(User)
class UserAdmin(DjangoUserAdmin):
    list_display = ("id", "username", "email", "nickname", "is_active", "is_staff", "date_joined")
    search_fields = ("username", "email", "nickname", "social_accounts__uid")
    # Image URLs typed without a scheme are https (Django 6's default, chosen now).
    formfield_overrides = {models.URLField: {"assume_scheme": "https"}}
    fieldsets = (
        *DjangoUserAdmin.fieldsets,
        ("Profile", {"fields": ("nickname", "profile_image_url", "thumbnail_image_url")}),
        ("Consent at Kakao", {"fields": ("consent_history",)}),
    )
    readonly_fields = ("consent_history",)
    inlines = [SocialAccountInline, RefreshTokenInline]
    actions = ["end_sessions"]

    @admin.display(description="history (newest first)")
    def consent_history(self, user: User) -> str:
        """Every change Kakao reported, never edited: a withdrawal sits beside its agreement."""
        if user.pk is None:
            return "-"
        terms = KakaoServiceTermConsent.objects.filter(link__user=user)
        scopes = KakaoScopeConsent.objects.filter(link__user=user)
        rows = sorted(
            [
                (
                    t.learned_at,
                    "service term",
                    t.tag,
                    _yes_no(t.agreed),
                    f"{t.agreed_at:%Y-%m-%d %H:%M} {t.agreed_by}" if t.agreed_at else "",
                    t.get_source_display(),
                )
                for t in terms
            ]
            + [
                (
                    s.learned_at,
                    "consent item",
                    s.scope,
                    _yes_no(s.agreed),
                    "",
                    s.get_source_display(),
                )
                for s in scopes
            ],
            key=lambda row: row[0],
            reverse=True,
        )
        if not rows:
            return "-"
        body = format_html_join(
            "",
            "<tr><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td></tr>",
            ((f"{row[0]:%Y-%m-%d %H:%M}", *row[1:]) for row in rows),
        )
        return format_html(
            "<table><thead><tr><th>learned</th><th>kind</th><th>id</th><th>agreed</th>"
            "<th>agreed at Kakao</th><th>how</th></tr></thead><tbody>{}</tbody></table>",
            body,
        )

    @admin.action(description="End all sessions of the selected users")
    def end_sessions(self, request, queryset):
        # Recorded in each person's trail: cause "admin", and which administrator.
        count = sum(
            end_all_sessions(user=user, cause=EndCause.ADMIN, details={"admin_id": request.user.pk})
            for user in queryset
        )
        self.message_user(request, f"Ended {count} session(s).")


def _yes_no(value: bool) -> str:
    return "yes" if value else "no"


@admin.register(SocialAccount)
class SocialAccountAdmin(admin.ModelAdmin):
    list_display = ("id", "provider", "uid", "user", "created", "updated")
    list_filter = ("provider",)
    search_fields = ("uid", "user__email", "user__nickname")
    raw_id_fields = ("user",)
    readonly_fields = ("created", "updated")


@admin.register(RefreshToken)
class RefreshTokenAdmin(admin.ModelAdmin):
    list_display = ("id", "user", "family", "created", "rotated", "revoked")
    list_filter = ("revoked",)
    raw_id_fields = ("user",)
    # The token itself is a credential: never shown.
    exclude = ("token",)
    readonly_fields = ("user", "family", "created", "rotated", "revoked")
    actions = ["revoke"]

    @admin.action(description="Revoke selected refresh tokens (ends their sessions)")
    def revoke(self, request, queryset):
        ids = list(queryset.values_list("pk", flat=True))
        count = end_sessions_by_admin(token_ids=ids, admin_id=request.user.pk)
        self.message_user(request, f"Ended {count} session(s).")

    def has_add_permission(self, request):
        return False


@admin.register(SecurityEvent)
class SecurityEventAdmin(admin.ModelAdmin):
    """The security trail, read-only: filter by type and date, click a user or an address."""

    list_display = ("at", "type", "user_link", "ip_link", "device", "session_id")
    list_filter = ("type", ("at", admin.DateFieldListFilter))
    # Exact matches: a user id, a username, an address (as recorded, IPv6 as its /64).
    search_fields = ("=ip", "=user__username", "=user__id")
    date_hierarchy = "at"
    ordering = ("-at",)
    list_select_related = ("user",)
    fields = (
        "at",
        "type",
        "user",
        "session_id",
        "ip",
        "device",
        "user_agent",
        "app_name",
        "app_version",
        "details",
    )
    readonly_fields = fields

    @admin.display(description="user", ordering="user")
    def user_link(self, event: SecurityEvent):
        if event.user_id is None:
            return "(deleted)"
        return format_html('<a href="?user__id__exact={}">{}</a>', event.user_id, event.user)

    @admin.display(description="IP", ordering="ip")
    def ip_link(self, event: SecurityEvent):
        if not event.ip:
            return "-"
        return format_html('<a href="?ip__exact={}">{}</a>', event.ip, event.ip)

    @admin.display(description="device")
    def device(self, event: SecurityEvent) -> str:
        return describe(event.user_agent, event.app_name, event.app_version).name

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
