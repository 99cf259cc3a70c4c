"""An aiosmtpd handler for vulndesk's mail tests.

It delivers into a maildir like aiosmtpd's own Mailbox handler, but refuses recipients whose
local part is "nobody" with a permanent 550, as a real server does for a mailbox that does not
exist, so the tests can see a bounce. Started as
`python -m aiosmtpd -n -l HOST:PORT -c smtp_handlers.RefusingMailbox MAILDIR` with this folder on
PYTHONPATH.
"""

from aiosmtpd.handlers import Mailbox


class RefusingMailbox(Mailbox):
    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        if address.lower().startswith("nobody@"):
            return "550 5.1.1 No such user here"
        envelope.rcpt_tos.append(address)
        return "250 OK"
