//! What the collections team does on an account: write a note, put it on hold or end the
//! hold, record a payment that arrived by bank transfer or cheque.
use actix_web::{post, web};
use chrono::Utc;
use sea_orm::DatabaseConnection;

use super::accounts::render_workspace;
use crate::domain::Money;
use validator::{Validate, ValidationError};

use crate::services::payments::offline::{self, OfflinePayment};
use crate::services::payments::{self, PaymentError};
use crate::services::staff::workspace::{self, StaffAction, WorkspaceError};
use crate::web::auth::SignedInStaff;
use crate::web::csrf::CsrfToken;
use crate::web::errors::{AppError, PageResult};
use crate::web::forms::{Problems, field, refusal};
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

#[derive(serde::Deserialize, Default, Validate)]
#[serde(default)]
pub struct OfflinePaymentForm {
    /// Money in the account's currency: read in the handler, which knows the currency.
    amount: String,
    #[validate(custom(function = "method_rule"))]
    method: String,
    #[validate(custom(function = "reference_rule"))]
    reference: String,
}

#[post("/accounts/{id}/payments")]
pub async fn record_payment(
    who: SignedInStaff,
    path: web::Path<i32>,
    form: web::Form<OfflinePaymentForm>,
    csrf: CsrfToken,
    db: web::Data<DatabaseConnection>,
) -> PageResult {
    let action = action(&who, *path)?;
    let (creditor_id, account_id) = (action.creditor_id, action.account_id);
    let problem = |field, message: String| FieldError { field, message };
    // Amounts are read in the account's own currency.
    let currency = match workspace::account_currency(db.get_ref(), creditor_id, account_id).await {
        Ok(currency) => currency,
        Err(WorkspaceError::NotFound) => return Err(AppError::NotFound),
        Err(other) => return Err(AppError::internal(other)),
    };
    let amount = match Money::parse(&form.amount, currency) {
        Ok(amount) => amount,
        Err(e) => {
            let p = problem("amount", e.to_string());
            return render_workspace(&db, &csrf.0, creditor_id, account_id, Some(p)).await;
        }
    };
    let problems =
        Problems::from_validation(form.validate(), &[field("method"), field("reference")]);
    if !problems.is_empty() {
        return first_problem(&db, &csrf.0, (creditor_id, account_id), problems).await;
    }
    let payment = OfflinePayment {
        staff_id: action.staff_id,
        creditor_id,
        account_id,
        amount,
        method: &form.method,
        reference: &form.reference,
    };
    match payments::offline::record_offline(&db, payment, Utc::now()).await {
        Ok(_) => Ok(pages::see_other(&account_page(account_id))),
        Err(PaymentError::Amount(message)) => {
            let field = if message.contains("reference") {
                "reference"
            } else if message.contains("paid") {
                "method"
            } else {
                "amount"
            };
            render_workspace(
                &db,
                &csrf.0,
                creditor_id,
                account_id,
                Some(problem(field, message)),
            )
            .await
        }
        Err(PaymentError::NothingOwed) => {
            let p = problem(
                "amount",
                "There is nothing left to pay on this account".into(),
            );
            render_workspace(&db, &csrf.0, creditor_id, account_id, Some(p)).await
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
