//! What the collections team does on an account: write a note, put it on hold or end the
//! hold, record a payment that arrived by bank transfer or cheque.
use actix_web::{post, web};
use chrono::Utc;
use sea_orm::DatabaseConnection;

use super::accounts::{
    PaymentDraft, render_workspace, render_workspace_notice, render_workspace_with,
};
use crate::config::Settings;
use crate::domain::Money;
use validator::{Validate, ValidationError};

use crate::domain::wording::full_date;
use crate::services::payments::offline::{self, OfflinePayment, Recorded};
use crate::services::payments::{self, PaymentError};
use crate::services::staff::workspace::{self, StaffAction, WorkspaceError};
use crate::web::auth::SignedInStaff;
use crate::web::csrf::CsrfToken;
use crate::web::errors::{AppError, PageResult};
use crate::web::forms::{FormField, Problems, field, refusal};
use crate::web::pages::{self, FieldError};

fn action(who: &SignedInStaff, id: i32) -> Result<StaffAction, AppError> {
    Ok(StaffAction {
        staff_id: who.0.staff_id,
        creditor_id: who.creditor_id()?,
        account_id: id,
    })
}

fn account_page(id: i32) -> String {
    format!("/staff/accounts/{id}")
}

/// Turns a workspace result into a redirect, or the page again with the problem beside
/// `field`.
async fn done_or_problem(
    db: &DatabaseConnection,
    csrf: &str,
    who: (i32, i32),
    field: &'static str,
    result: Result<(), WorkspaceError>,
) -> PageResult {
    let (creditor_id, account_id) = who;
    match result {
        Ok(()) => Ok(pages::see_other(&account_page(account_id))),
        Err(WorkspaceError::NotFound) => Err(AppError::NotFound),
        Err(WorkspaceError::Invalid(message)) => {
            let problem = FieldError {
                field,
                message: message.to_string(),
            };
            render_workspace(db, csrf, creditor_id, account_id, Some(problem)).await
        }
        Err(other) => Err(AppError::internal(other)),
    }
}

/// The account page shows one problem at a time, beside its field: the first one found.
async fn first_problem(
    db: &DatabaseConnection,
    csrf: &str,
    (creditor_id, account_id): (i32, i32),
    problems: Problems,
) -> PageResult {
    let first = problems.0.into_iter().next();
    render_workspace(db, csrf, creditor_id, account_id, first).await
}

fn checked<T>(rule: Result<T, &'static str>) -> Result<(), ValidationError> {
    rule.map(|_| ()).map_err(refusal)
}

fn note_rule(text: &str) -> Result<(), ValidationError> {
    checked(workspace::note_text(text))
}

fn hold_rule(text: &str) -> Result<(), ValidationError> {
    checked(workspace::hold_reason(text))
}

fn method_rule(code: &str) -> Result<(), ValidationError> {
    checked(offline::method_label(code))
}

fn reference_rule(typed: &str) -> Result<(), ValidationError> {
    checked(offline::payment_reference(typed))
}

#[derive(serde::Deserialize, Default, Validate)]
#[serde(default)]
pub struct NoteForm {
    #[validate(custom(function = "note_rule"))]
    note: String,
}

#[post("/accounts/{id}/notes")]
pub async fn add_note(
    who: SignedInStaff,
    path: web::Path<i32>,
    form: web::Form<NoteForm>,
    csrf: CsrfToken,
    db: web::Data<DatabaseConnection>,
) -> PageResult {
    let action = action(&who, *path)?;
    let ids = (action.creditor_id, action.account_id);
    let problems = Problems::from_validation(form.validate(), &[field("note")]);
    if !problems.is_empty() {
        return first_problem(&db, &csrf.0, ids, problems).await;
    }
    let result = workspace::add_note(&db, action, &form.note, Utc::now()).await;
    done_or_problem(&db, &csrf.0, ids, "note", result).await
}

#[derive(serde::Deserialize, Default, Validate)]
#[serde(default)]
pub struct HoldForm {
    #[validate(custom(function = "hold_rule"))]
    reason: String,
}

#[post("/accounts/{id}/hold")]
pub async fn start_hold(
    who: SignedInStaff,
    path: web::Path<i32>,
    form: web::Form<HoldForm>,
    csrf: CsrfToken,
    db: web::Data<DatabaseConnection>,
) -> PageResult {
    let action = action(&who, *path)?;
    let ids = (action.creditor_id, action.account_id);
    let problems = Problems::from_validation(form.validate(), &[field("reason")]);
    if !problems.is_empty() {
        return first_problem(&db, &csrf.0, ids, problems).await;
    }
    let result = workspace::start_hold(&db, action, &form.reason, Utc::now()).await;
    done_or_problem(&db, &csrf.0, ids, "reason", result).await
}

#[post("/accounts/{id}/hold/end")]
pub async fn end_hold(
    who: SignedInStaff,
    path: web::Path<i32>,
    csrf: CsrfToken,
    db: web::Data<DatabaseConnection>,
) -> PageResult {
    let action = action(&who, *path)?;
    let ids = (action.creditor_id, action.account_id);
    let result = workspace::end_hold(&db, action, Utc::now()).await;
    done_or_problem(&db, &csrf.0, ids, "reason", result).await
}

/// The token is hidden: its problem shows at the top of the form, by the amount.
const EXPIRED_FORM: FormField = FormField {
    name: "form_token",
    id: "amount",
};

fn form_token_rule(typed: &str) -> Result<(), ValidationError> {
    checked(offline::form_token(typed))
}

#[derive(serde::Deserialize, Default, Validate)]
#[serde(default)]
pub struct OfflinePaymentForm {
    /// Money in the account's currency: read in the handler, which knows the currency.
    amount: String,
    #[validate(custom(function = "method_rule"))]
    method: String,
    #[validate(custom(function = "reference_rule"))]
    reference: String,
    /// The one-time token rendered into the form: a second submit books nothing more.
    #[validate(custom(function = "form_token_rule"))]
    form_token: String,
    /// "yes" once staff confirm a payment with a recently used reference is a different one.
    confirm_repeat: String,
}

impl OfflinePaymentForm {
    /// The form again as typed, with the same token (nothing was booked with it).
    fn draft(&self, repeat_of: Option<String>) -> PaymentDraft {
        PaymentDraft {
            form_token: self.form_token.clone(),
            amount: self.amount.clone(),
            method: self.method.clone(),
            reference: self.reference.clone(),
            repeat_of,
        }
    }
}

#[post("/accounts/{id}/payments")]
pub async fn record_payment(
    who: SignedInStaff,
    path: web::Path<i32>,
    form: web::Form<OfflinePaymentForm>,
    csrf: CsrfToken,
    db: web::Data<DatabaseConnection>,
    settings: web::Data<Settings>,
) -> PageResult {
    let action = action(&who, *path)?;
    let (creditor_id, account_id) = (action.creditor_id, action.account_id);
    let problem = |field, message: String| FieldError { field, message };
    // The form again as typed, with the problem beside its field.
    let again = |p: FieldError| {
        render_workspace_with(
            &db,
            &csrf.0,
            creditor_id,
            account_id,
            Some(p),
            Some(form.draft(None)),
        )
    };
    // Amounts are read in the account's own currency.
    let currency = match workspace::account_currency(db.get_ref(), creditor_id, account_id).await {
        Ok(currency) => currency,
        Err(WorkspaceError::NotFound) => return Err(AppError::NotFound),
        Err(other) => return Err(AppError::internal(other)),
    };
    let amount = match Money::parse(&form.amount, currency) {
        Ok(amount) => amount,
        Err(e) => return again(problem("amount", e.to_string())).await,
    };
    let problems = Problems::from_validation(
        form.validate(),
        &[field("method"), field("reference"), EXPIRED_FORM],
    );
    if let Some(first) = problems.0.into_iter().next() {
        return again(first).await;
    }
    let payment = OfflinePayment {
        staff_id: action.staff_id,
        creditor_id,
        account_id,
        amount,
        method: &form.method,
        reference: &form.reference,
        form_token: &form.form_token,
        confirmed: form.confirm_repeat == "yes",
    };
    match payments::offline::record_offline(&db, payment, &settings.base_url, Utc::now()).await {
        Ok(Recorded::New(_)) => Ok(pages::see_other(&account_page(account_id))),
        Ok(Recorded::AlreadyRecorded(_)) => {
            let notice = "This payment was already recorded when the form was first sent. \
                          It has not been recorded again: see it in the timeline below.";
            render_workspace_notice(&db, &csrf.0, creditor_id, account_id, notice).await
        }
        Ok(Recorded::LooksLikeRepeat { recorded_at }) => {
            let when = full_date(recorded_at.date_naive());
            let message = format!(
                "A payment with this method and reference was recorded for this account on \
                 {when}. Check it is not the same payment. If it is a different one, tick the \
                 box and record it again"
            );
            let draft = form.draft(Some(when));
            let p = problem("reference", message);
            render_workspace_with(&db, &csrf.0, creditor_id, account_id, Some(p), Some(draft)).await
        }
        Err(PaymentError::Amount(message)) => {
            let field = if message.contains("reference") {
                "reference"
            } else if message.contains("paid") {
                "method"
            } else {
                "amount"
            };
            again(problem(field, message)).await
        }
        Err(PaymentError::NothingOwed) => {
            again(problem(
                "amount",
                "There is nothing left to pay on this account".into(),
            ))
            .await
        }
        Err(PaymentError::NotFound) => Err(AppError::NotFound),
        Err(other) => Err(AppError::internal(other)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn first_message(
        result: Result<(), validator::ValidationErrors>,
        name: &'static str,
    ) -> Option<String> {
        Problems::from_validation(result, &[field(name)]).on(name)
    }

    #[test]
    fn a_note_and_a_hold_reason_need_words_within_their_limits() {
        let blank = NoteForm { note: "  ".into() };
        assert_eq!(
            first_message(blank.validate(), "note").as_deref(),
            Some("Write the note")
        );
        let long = HoldForm {
            reason: "x".repeat(501),
        };
        assert_eq!(
            first_message(long.validate(), "reason").as_deref(),
            Some("Keep the reason to 500 characters or fewer")
        );
        assert!(
            HoldForm {
                reason: "Bereavement".into()
            }
            .validate()
            .is_ok()
        );
    }

    #[test]
    fn an_offline_payment_needs_a_known_method_and_a_reference() {
        let form = OfflinePaymentForm {
            amount: "10".into(),
            method: "bitcoin".into(),
            reference: String::new(),
            form_token: "0123456789abcdef".into(),
            confirm_repeat: String::new(),
        };
        let problems =
            Problems::from_validation(form.validate(), &[field("method"), field("reference")]);
        assert_eq!(
            problems.on("method").as_deref(),
            Some("Choose how the money was paid")
        );
        assert_eq!(
            problems.on("reference").as_deref(),
            Some("Enter the payment's reference, up to 80 characters")
        );
    }
}
