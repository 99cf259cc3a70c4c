# vulndesk user interface, English.
nav-label = Main
nav-home = Home
nav-orgs = Organisations
nav-users = Users
nav-audit = Audit log
nav-account = My account
action-logout = Log out
action-login = Log in
action-create = Create
action-add = Add
action-remove = Remove
action-save = Save
action-enable = Enable
action-disable = Disable
action-revoke = Revoke
action-create-token = Create token

field-username = Username
field-password = Password
field-slug = Short name (URL)
field-name = Name
field-kinds = Roles of the organisation
field-display-name = Display name
field-roles = Roles
field-role = Role
field-email = E-mail
field-status = Status

login-title = Log in to vulndesk
login-failed = Wrong username or password.
login-throttled = Too many failed attempts. Try again in { $minutes } minutes.

home-title = Home
home-site-admin = Site administration
home-site-admin-help = You administer this vulndesk deployment: create organisations, create accounts and read the audit log.
home-counts = Organisations / accounts
home-no-orgs = You are not a member of any organisation yet. Ask an administrator to add you.

orgs-title = Organisations
orgs-create = New organisation
org-members = Members
org-add-member = Add a member
org-edit = Edit organisation

users-title = Accounts
users-create = New account
users-site-admin = site administrator
users-disabled = disabled
users-active = active

account-title = My account
account-language = Language
account-language-browser = As my browser says
account-password = Change password
account-current-password = Current password
account-new-password = New password (at least 12 characters)
account-password-wrong = The current password is wrong.
account-tokens = API tokens
account-token-prefix = Starts with
account-token-scope = Scope
account-token-last-used = Last used
account-token-all = All my rights
account-token-never = never
account-token-created = New API token
account-token-once = Copy it now: it is shown only once and vulndesk keeps only its hash.

audit-title = Audit log
audit-help = Every change and every sign-in, newest first. The log is hash-chained; `vulndesk audit verify` checks it end to end.
audit-at = Time (UTC)
audit-actor = Actor
audit-action = Action
audit-object = Object
audit-source = Source
audit-details = Details
audit-older = Older events

role-admin = Administrator
role-coordinator = Coordinator
role-triager = Triager
role-engineer = Engineer
role-publisher = Publisher
role-auditor = Auditor
role-admin-duty = manages the organisation's members, settings and tokens
role-coordinator-duty = leads the PSIRT: owns cases end to end and reports to the authority
role-triager-duty = reads incoming reports, acknowledges them and opens cases
role-engineer-duty = reproduces and fixes flaws in the products they own
role-publisher-duty = drafts advisories and publishes them through the publication gate
role-auditor-duty = reads everything in the organisation and changes nothing

kind-provider = Product provider
kind-operator = Network operator
kind-collection_platform = Collection platform
kind-sharing_platform = Sharing platform

notice-org-created = Organisation created.
notice-org-updated = Organisation saved.
notice-member-added = Member added.
notice-member-removed = Role removed.
notice-user-created = Account created.
notice-user-disabled = Account disabled; its sessions have ended.
notice-user-enabled = Account enabled.
notice-password-changed = Password changed. Other sessions have ended; log in again.
notice-token-revoked = Token revoked.
notice-language-saved = Language saved.
notice-logged-out = You are logged out.

field-required = { $field } is required.
name-length = { $field } must be between { $min } and { $max } characters long.
name-character = { $field }: the character “{ $ch }” at position { $position } is not allowed (use a-z, 0-9 and -).
name-edge = { $field } must start and end with a letter or digit.
text-too-long = { $field } must be at most { $max } characters long.
password-too-short = The password must be at least { $min } characters long.
unknown-kind = Unknown organisation role “{ $value }”.
unknown-role = Unknown role “{ $value }”.
no-kinds = Choose at least one role for the organisation.
unknown-user = There is no account named “{ $username }”.
invalid-email = “{ $value }” is not an e-mail address.
conflict-slug = The short name “{ $slug }” is already taken.
conflict-username = The username “{ $username }” is already taken.
conflict-self-disable = You cannot disable your own account.

error-unauthenticated = Log in first, or send a valid API token.
error-csrf = The form expired or came from another site. Reload the page and try again.
error-not-found = There is nothing here.
error-validation = Some fields are not valid.
error-bad-request = The request cannot be read: { $detail }
error-media-type = Unsupported content type: { $detail }
error-too-large = The request is too large.
error-unavailable = vulndesk cannot reach its database right now. Try again shortly.
error-internal = Something went wrong on our side. It has been logged.
error-site-admin-only = Only site administrators may do this.
error-missing-role = You need one of these roles in the organisation: { $roles }.
error-forbidden = You may not do this.
error-back-home = Back to the home page
json-data-error = { $field }: { $detail }
account-token-role-not-held = You do not hold that role in that organisation, so a token cannot carry it.
