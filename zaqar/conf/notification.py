"""Push delivery to subscribers ([notification], the original's group): the notifier
workers, their webhook requests and the SMTP server of ``mailto`` subscribers."""

from __future__ import annotations

from oslo_config import cfg

GROUP = "notification"

require_confirmation = cfg.BoolOpt(
    "require_confirmation",
    default=False,
    help="Deliver nothing to a subscription until it is confirmed (PUT .../confirm). "
    "Messages posted while it was unconfirmed are never delivered to it.",
)

request_timeout = cfg.FloatOpt(
    "request_timeout",
    default=10.0,
    min=0.1,
    help="Seconds a webhook delivery may take (connecting, sending and reading the answer) "
    "before it counts as failed and is tried again by the retry policy.",
)

max_in_flight_per_subscriber = cfg.IntOpt(
    "max_in_flight_per_subscriber",
    default=8,
    min=1,
    help="Deliveries one subscription may have under way at once. A slow or dead "
    "subscriber holds at most this many; the others are not delayed by it.",
)

max_pending_per_subscriber = cfg.IntOpt(
    "max_pending_per_subscriber",
    default=1000,
    min=1,
    help="Notifications a notifier holds for one subscription at once (under way or waiting "
    "for a retry); reading its backlog stops there until some are done.",
)

poll_interval = cfg.FloatOpt(
    "poll_interval",
    default=1.0,
    min=0.01,
    help="Seconds between a notifier's looks for new subscriptions, and for new messages on "
    "a subscription with nothing left to deliver.",
)

lease_seconds = cfg.FloatOpt(
    "lease_seconds",
    default=30.0,
    min=1.0,
    help="How long a notifier holds a subscription without renewing it (it renews every "
    "third of this). A notifier that dies holds its subscriptions this long; then another "
    "one resumes them, from the last checkpoint.",
)

checkpoint_interval = cfg.FloatOpt(
    "checkpoint_interval",
    default=0.5,
    min=0.01,
    help="Seconds between the checkpoints of a subscription's progress (its cursor, the "
    "delivery log and dead letters). What was delivered after the last checkpoint of a "
    "notifier that dies is delivered again.",
)

smtp_host = cfg.HostAddressOpt(
    "smtp_host", default="127.0.0.1", help="The SMTP server of 'mailto:' subscribers."
)

smtp_port = cfg.PortOpt("smtp_port", default=25, help="The SMTP server's port.")

smtp_mode = cfg.StrOpt(
    "smtp_mode",
    default="plain",
    choices=[
        ("plain", "no TLS"),
        ("starttls", "upgrade the connection with STARTTLS before logging in"),
        ("ssl", "TLS from the start (SMTPS, usually port 465)"),
        ("self_local", "the original's name for 'ssl'"),
    ],
    help="How the connection to the SMTP server is secured.",
)

smtp_user_name = cfg.StrOpt(
    "smtp_user_name", help="The SMTP login; none means the server needs no login."
)

smtp_user_password = cfg.StrOpt("smtp_user_password", secret=True, help="The SMTP password.")

smtp_sender = cfg.StrOpt(
    "smtp_sender",
    default="zaqar@localhost",
    help="The sender of notification mails whose subscription gives no 'from' option.",
)

ALL_OPTS = [
    require_confirmation,
    request_timeout,
    max_in_flight_per_subscriber,
    max_pending_per_subscriber,
    poll_interval,
    lease_seconds,
    checkpoint_interval,
    smtp_host,
    smtp_port,
    smtp_mode,
    smtp_user_name,
    smtp_user_password,
    smtp_sender,
]


def list_opts() -> dict[str, list[cfg.Opt]]:
    return {GROUP: ALL_OPTS}
