"""Readable devices from User-Agents (ua-parser's bundled regexes) and apps' own names."""

from __future__ import annotations

import pytest

from accounts.caller import Caller
from accounts.useragent import UNKNOWN_NAME, DeviceKind, describe

IPHONE = "Mozilla/5.0 (iPhone; CPU iPhone OS 17_5 like Mac OS X) AppleWebKit/605.1.15"


@pytest.mark.parametrize(
    ("user_agent", "name", "kind"),
    [
        (
            "Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/537.36 (KHTML, like "
            "Gecko) Chrome/126.0.0.0 Safari/537.36",
            "Chrome on macOS",
            DeviceKind.BROWSER,
        ),
        (
            f"{IPHONE} (KHTML, like Gecko) Version/17.5 Mobile/15E148 Safari/604.1",
            "Safari on iPhone",
            DeviceKind.BROWSER,
        ),
        (
            "Mozilla/5.0 (iPad; CPU OS 17_5 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like "
            "Gecko) Version/17.5 Mobile/15E148 Safari/604.1",
            "Safari on iPad",
            DeviceKind.BROWSER,
        ),
        (
            "Mozilla/5.0 (Linux; Android 14; SM-S918N) AppleWebKit/537.36 (KHTML, like Gecko) "
            "SamsungBrowser/25.0 Chrome/121.0.0.0 Mobile Safari/537.36",
            "Samsung Internet on Android",
            DeviceKind.BROWSER,
        ),
        (
            "Mozilla/5.0 (Windows NT 10.0; Win64; x64; rv:127.0) Gecko/20100101 Firefox/127.0",
            "Firefox on Windows",
            DeviceKind.BROWSER,
        ),
        ("curl/8.5.0", "curl", DeviceKind.OTHER),
        ("", UNKNOWN_NAME, DeviceKind.OTHER),
        ("TestBrowser/1.0", UNKNOWN_NAME, DeviceKind.OTHER),
    ],
)
def test_browsers_and_tools_get_names_people_know(user_agent, name, kind):
    device = describe(user_agent)
    assert (device.name, device.kind) == (name, kind)


def test_an_app_is_named_by_itself_on_the_platform_its_user_agent_tells():
    dalvik = "Dalvik/2.1.0 (Linux; U; Android 14; Pixel 8 Build/UQ1A.240205.004)"
    assert describe(dalvik, "MyApp", "2.3").name == "MyApp 2.3 on Android"
    assert describe(f"{IPHONE} Mobile/15E148", "MyApp", "2.3").name == "MyApp 2.3 on iPhone"
    assert describe("okhttp/4.12.0", "MyApp", "").name == "MyApp"
    assert describe(dalvik).name == "Android"  # the system, not "Android on Android"


@pytest.mark.parametrize(
    ("name", "version", "expected"),
    [
        ("MyApp", "2.3", ("MyApp", "2.3")),
        ("My App (Beta)", "2.3.1-rc.1+7", ("My App (Beta)", "2.3.1-rc.1+7")),
        ("카카오앱", "1", ("", "")),  # headers are ASCII
        ("A" * 41, "1", ("", "")),
        ("MyApp", "1" * 21, ("MyApp", "")),
        ("-flag", "1", ("", "")),
        ("", "2.3", ("", "")),
        ("My<b>App", "1", ("", "")),
    ],
)
def test_app_headers_are_checked(name, version, expected):
    caller = Caller.of(app_name=name, app_version=version)
    assert (caller.app_name, caller.app_version) == expected


def test_user_agents_are_trimmed_to_printable_and_200_characters():
    caller = Caller.of(user_agent="  Evil\x00Agent\n" + "x" * 500)
    assert caller.user_agent.startswith("EvilAgent") and len(caller.user_agent) == 200
