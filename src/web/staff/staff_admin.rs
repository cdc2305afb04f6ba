//! An admin's staff pages: the list, invite, disable, enable, and reset.
use actix_web::{get, post, web};
use askama::Template;
use chrono::Utc;
use sea_orm::DatabaseConnection;

use crate::config::Settings;
use validator::{Validate, ValidationError};

use crate::domain::inputs::EmailAddress;
use crate::domain::invitation::{InvitationDraft, InviteRole, StaffInvitation};
use crate::domain::staff::StaffRole;
use crate::services::admin::creditor_list::{self, CreditorSummary};
use crate::services::admin::staff_users::{self, StaffAdminError, StaffListing};
use crate::web::auth::SignedInStaff;
use crate::web::csrf::CsrfToken;
use crate::web::errors::{AppError, PageResult};
use crate::web::forms::{FormField, Problems, field, refusal};
use crate::web::pages::{self, Chrome, FieldError};

#[derive(Template)]
#[template(path = "admin/staff.html")]
struct StaffPage {
    chrome: Chrome,
    me: i32,
    staff: Vec<StaffListing>,
    notice: &'static str,
    errors: Vec<FieldError>,
}

impl StaffPage {
    fn role_label(role: &StaffRole) -> &'static str {
        match role {
            StaffRole::Admin => "Admin",
            StaffRole::Creditor => "Creditor staff",
        }
    }
}

#[derive(serde::Deserialize, Default)]
#[serde(default)]
pub struct NoticeQuery {
    done: String,
}

fn notice_for(done: &str) -> &'static str {
    match done {
        "invited" => {
            "The invitation is on its way. The person chooses a password from the link in it."
        }
        "disabled" => "The account is disabled. If they were signed in, they are signed out now.",
        "enabled" => "The account is enabled again.",
        "reset" => {
            "A link to choose a new password is on its way. Their old password no longer works."
        }
        _ => "",
    }
}

async fn staff_page(
    db: &DatabaseConnection,
    who: &SignedInStaff,
    csrf: &str,
    notice: &'static str,
    errors: Vec<FieldError>,
) -> Result<StaffPage, AppError> {
    let staff = staff_users::list(db).await.map_err(AppError::internal)?;
    Ok(StaffPage {
        chrome: Chrome::staff(csrf, true),
        me: who.0.staff_id,
        staff,
        notice,
        errors,
    })
}

#[get("/staff")]
pub async fn list(
    who: SignedInStaff,
    query: web::Query<NoticeQuery>,
    csrf: CsrfToken,
    db: web::Data<DatabaseConnection>,
) -> PageResult {
    let page = staff_page(&db, &who, &csrf.0, notice_for(&query.done), Vec::new()).await?;
    Ok(pages::ok(&page))
}

/// The invite form as typed. `validator` checks the email and the role with the domain's own
/// parsers; `StaffInvitation::new` then checks that creditor staff have a creditor.
#[derive(serde::Deserialize, Default, Clone, Validate)]
#[serde(default)]
pub struct InviteForm {
    #[validate(custom(function = "email_address"))]
    email: String,
    #[validate(custom(function = "role"))]
    role: String,
    creditor_id: String,
}

const INVITE_FIELDS: [FormField; 3] = [field("email"), field("role"), field("creditor_id")];

fn email_address(typed: &str) -> Result<(), ValidationError> {
    EmailAddress::parse(typed)
        .map(|_| ())
        .map_err(|e| refusal(e.message()))
}

fn role(typed: &str) -> Result<(), ValidationError> {
    InviteRole::parse(typed)
        .map(|_| ())
        .ok_or_else(|| refusal("Choose what this person may do"))
}

impl InviteForm {
    /// Reads the form into an invitation, or every problem keyed by its field.
    fn read(&self) -> Result<StaffInvitation, Problems> {
        let mut problems = Problems::from_validation(self.validate(), &INVITE_FIELDS);
        let draft = match (
            EmailAddress::parse(&self.email),
            InviteRole::parse(&self.role),
        ) {
            (Ok(email), Some(role)) => InvitationDraft {
                email,
                role,
                creditor_id: self.creditor_id.trim().parse().ok(),
            },
            _ => {
                // The creditor is checked too, so one round trip shows every problem.
                if InviteRole::parse(&self.role) == Some(InviteRole::CreditorStaff)
                    && self.creditor_id.trim().parse::<i32>().is_err()
                {
                    problems.add("creditor_id", "Choose the creditor this person works for");
                }
                return Err(problems);
            }
        };
        StaffInvitation::new(draft).map_err(|invalid| {
            problems.add_invalid(invalid);
            problems
        })
    }
}

#[derive(Template)]
#[template(path = "admin/staff_invite.html")]
struct InvitePage {
    chrome: Chrome,
    form: InviteForm,
    creditors: Vec<CreditorSummary>,
    errors: Vec<FieldError>,
    problems: Problems,
}

impl InvitePage {
    fn creditor_selected(&self, id: &i32) -> bool {
        self.form.creditor_id == id.to_string()
    }
}

async fn invite_page(
    db: &DatabaseConnection,
    csrf: &str,
    form: InviteForm,
    problems: Problems,
) -> Result<InvitePage, AppError> {
    let creditors = creditor_list::list(db).await.map_err(AppError::internal)?;
    Ok(InvitePage {
        chrome: Chrome::staff(csrf, true),
        form,
        creditors,
        errors: problems.summary(),
        problems,
    })
}

#[get("/staff/new")]
pub async fn invite_form(csrf: CsrfToken, db: web::Data<DatabaseConnection>) -> PageResult {
    let page = invite_page(&db, &csrf.0, InviteForm::default(), Problems::default()).await?;
    Ok(pages::ok(&page))
}

#[post("/staff/new")]
pub async fn invite(
    who: SignedInStaff,
    form: web::Form<InviteForm>,
    csrf: CsrfToken,
    db: web::Data<DatabaseConnection>,
    settings: web::Data<Settings>,
) -> PageResult {
    let form = form.into_inner();
    let invitation = match form.read() {
        Ok(invitation) => invitation,
        Err(problems) => {
            let page = invite_page(&db, &csrf.0, form, problems).await?;
            return Ok(pages::invalid(&page));
        }
    };
    let mut problems = Problems::default();
    match staff_users::invite(
        &db,
        who.0.staff_id,
        &invitation,
        &settings.base_url,
        Utc::now(),
    )
    .await
    {
        Ok(_) => Ok(pages::see_other("/admin/staff?done=invited")),
        Err(StaffAdminError::EmailTaken) => {
            problems.add(
                "email",
                "Someone on the staff already has this email address",
            );
            let page = invite_page(&db, &csrf.0, form, problems).await?;
            Ok(pages::invalid(&page))
        }
        Err(StaffAdminError::UnknownCreditor) => {
            problems.add("creditor_id", "Choose the creditor this person works for");
            let page = invite_page(&db, &csrf.0, form, problems).await?;
            Ok(pages::invalid(&page))
        }
        Err(e) => Err(AppError::internal(e)),
    }
}

fn outcome(result: Result<(), StaffAdminError>, done: &str) -> PageResult {
    match result {
        Ok(()) => Ok(pages::see_other(&format!("/admin/staff?done={done}"))),
        Err(StaffAdminError::NotFound) => Err(AppError::NotFound),
        Err(e) => Err(AppError::internal(e)),
    }
}

#[post("/staff/{id}/disable")]
pub async fn disable(
    who: SignedInStaff,
    path: web::Path<i32>,
    csrf: CsrfToken,
    db: web::Data<DatabaseConnection>,
) -> PageResult {
    let id = path.into_inner();
    match staff_users::disable(&db, who.0.staff_id, id, Utc::now()).await {
        Err(StaffAdminError::CannotDisableSelf) => {
            let errors = vec![FieldError {
                field: "staff-list",
                message: "You cannot disable your own account. Ask another admin to do it."
                    .to_string(),
            }];
            let page = staff_page(&db, &who, &csrf.0, "", errors).await?;
            Ok(pages::invalid(&page))
        }
        result => outcome(result, "disabled"),
    }
}

#[post("/staff/{id}/enable")]
pub async fn enable(
    who: SignedInStaff,
    path: web::Path<i32>,
    db: web::Data<DatabaseConnection>,
) -> PageResult {
    let id = path.into_inner();
    outcome(
        staff_users::enable(&db, who.0.staff_id, id, Utc::now()).await,
        "enabled",
    )
}

#[post("/staff/{id}/reset")]
pub async fn reset(
    who: SignedInStaff,
    path: web::Path<i32>,
    db: web::Data<DatabaseConnection>,
    settings: web::Data<Settings>,
) -> PageResult {
    let id = path.into_inner();
    outcome(
        staff_users::reset(&db, who.0.staff_id, id, &settings.base_url, Utc::now()).await,
        "reset",
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::invitation::Invitee;

    fn form(email: &str, role: &str, creditor_id: &str) -> InviteForm {
        InviteForm {
            email: email.into(),
            role: role.into(),
            creditor_id: creditor_id.into(),
        }
    }

    #[test]
    fn an_invitation_for_creditor_staff_names_the_creditor() {
        let invitation = form("sam@northwind.example", "creditor", "3").read();
        assert_eq!(
            invitation.map(|i| i.invitee()).ok(),
            Some(Invitee::CreditorStaff { creditor_id: 3 })
        );
    }

    #[test]
    fn every_problem_is_shown_at_once() {
        let problems = form("nope", "creditor", "")
            .read()
            .err()
            .unwrap_or_default();
        let fields: Vec<&str> = problems.0.iter().map(|e| e.field).collect();
        assert_eq!(fields, ["email", "creditor_id"]);
        let problems = form("sam@northwind.example", "", "")
            .read()
            .err()
            .unwrap_or_default();
        assert_eq!(
            problems.on("role").as_deref(),
            Some("Choose what this person may do")
        );
    }
}
