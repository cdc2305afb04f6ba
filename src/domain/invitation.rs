//! Inviting someone to the staff. Made only by [`StaffInvitation::new`], so the staff service
//! never creates a creditor staff member who belongs to no creditor.
use super::inputs::EmailAddress;
use super::invalid::Invalid;

/// What the invited person may do.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum InviteRole {
    Admin,
    CreditorStaff,
}

impl InviteRole {
    /// The role as the invite form sends it: "admin" or "creditor".
    pub fn parse(code: &str) -> Option<InviteRole> {
        match code.trim() {
            "admin" => Some(InviteRole::Admin),
            "creditor" => Some(InviteRole::CreditorStaff),
            _ => None,
        }
    }
}

/// Who is invited and what for, as proposed.
#[derive(Clone, Debug)]
pub struct InvitationDraft {
    pub email: EmailAddress,
    pub role: InviteRole,
    /// Needed for creditor staff; an admin belongs to no creditor, so it is dropped.
    pub creditor_id: Option<i32>,
}

/// Whom the invitation is for.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Invitee {
    Admin,
    CreditorStaff { creditor_id: i32 },
}

#[derive(Clone, Debug)]
pub struct StaffInvitation {
    email: EmailAddress,
    invitee: Invitee,
}

impl StaffInvitation {
    pub fn new(draft: InvitationDraft) -> Result<StaffInvitation, Invalid> {
        let invitee = match (draft.role, draft.creditor_id) {
            (InviteRole::Admin, _) => Invitee::Admin,
            (InviteRole::CreditorStaff, Some(creditor_id)) => {
                Invitee::CreditorStaff { creditor_id }
            }
            (InviteRole::CreditorStaff, None) => {
                let mut invalid = Invalid::default();
                invalid.add("creditor_id", "Choose the creditor this person works for");
                return Err(invalid);
            }
        };
        Ok(StaffInvitation {
            email: draft.email,
            invitee,
        })
    }

    pub fn email(&self) -> &EmailAddress {
        &self.email
    }

    pub fn invitee(&self) -> Invitee {
        self.invitee
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn draft(role: InviteRole, creditor_id: Option<i32>) -> InvitationDraft {
        InvitationDraft {
            email: EmailAddress::parse("sam@northwind.example").expect("a good address"),
            role,
            creditor_id,
        }
    }

    #[test]
    fn creditor_staff_need_a_creditor() {
        let invalid =
            StaffInvitation::new(draft(InviteRole::CreditorStaff, None)).expect_err("no creditor");
        assert_eq!(
            invalid.on("creditor_id"),
            Some("Choose the creditor this person works for")
        );
        let invitation = StaffInvitation::new(draft(InviteRole::CreditorStaff, Some(4)));
        assert_eq!(
            invitation.map(|i| i.invitee()).ok(),
            Some(Invitee::CreditorStaff { creditor_id: 4 })
        );
    }

    #[test]
    fn an_admin_belongs_to_no_creditor() {
        let invitation = StaffInvitation::new(draft(InviteRole::Admin, Some(4)));
        assert_eq!(invitation.map(|i| i.invitee()).ok(), Some(Invitee::Admin));
    }

    #[test]
    fn roles_are_read_from_the_form_codes() {
        assert_eq!(
            InviteRole::parse("creditor"),
            Some(InviteRole::CreditorStaff)
        );
        assert_eq!(InviteRole::parse(" admin "), Some(InviteRole::Admin));
        assert_eq!(InviteRole::parse("owner"), None);
    }
}
