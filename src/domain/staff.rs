//! Who staff are and what a staff email link is for.

stored_enum! {
    /// What a staff user may do. Stored in `staff_users.role`.
    #[derive(serde::Serialize, serde::Deserialize)]
    pub enum StaffRole {
        /// Creditors, staff, discounts, policies and the audit log.
        Admin = "admin",
        /// One creditor's accounts and plans.
        Creditor = "creditor",
    }
}

stored_enum! {
    /// What a set-password link is for. Stored in `staff_password_tokens.purpose`.
    pub enum PasswordLinkPurpose {
        /// A new user: setting the password enables them.
        Invite = "invite",
        /// A forgotten or compromised password.
        Reset = "reset",
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::stored::tests::round_trips;

    #[test]
    fn roles_and_link_purposes_are_stored_as_before() {
        round_trips(&StaffRole::ALL, |r| r.as_str());
        round_trips(&PasswordLinkPurpose::ALL, |p| p.as_str());
        assert_eq!(StaffRole::ALL.map(StaffRole::as_str), ["admin", "creditor"]);
        assert_eq!(
            PasswordLinkPurpose::ALL.map(PasswordLinkPurpose::as_str),
            ["invite", "reset"]
        );
    }
}
