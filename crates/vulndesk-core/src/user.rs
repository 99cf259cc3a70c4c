//! People with accounts.

use crate::{Locale, Timestamp, UserId, Username};

/// An account as stored (without its password hash, which only the store and the login code see).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct User {
    /// Its id.
    pub id: UserId,
    /// The login name.
    pub username: Username,
    /// The name shown to others.
    pub display_name: String,
    /// Where mail for this person goes; may be empty.
    pub email: String,
    /// Whether this person administers the whole deployment (creates organisations and accounts).
    pub site_admin: bool,
    /// The person's chosen language, if they chose one.
    pub locale: Option<Locale>,
    /// A disabled account cannot log in and its tokens stop working.
    pub disabled: bool,
    /// When the account was created.
    pub created_at: Timestamp,
}
