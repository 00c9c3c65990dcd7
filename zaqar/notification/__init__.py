"""Push delivery: notifier workers read each subscription's notifications from the storage
(``base.DeliveryController``) and deliver them (``senders``), retrying as the retry policy
says (``zaqar.core.retry``)."""
