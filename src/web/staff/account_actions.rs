//! What the collections team does on an account: write a note, put it on hold or end the
//! hold, record a payment that arrived by bank transfer or cheque.
use actix_web::{post, web};
use chrono::Utc;
use sea_orm::DatabaseConnection;

use super::accounts::render_workspace;
use crate::domain::Money;
use crate::services::payments::{self, PaymentError, offline::OfflinePayment};
use crate::services::staff::workspace::{self, StaffAction, WorkspaceError};
use crate::web::auth::SignedInStaff;
use crate::web::csrf::CsrfToken;
use crate::web::errors::{AppError, PageResult};
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

#[derive(serde::Deserialize, Default)]
#[serde(default)]
pub struct NoteForm {
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
    let result = workspace::add_note(&db, action, &form.note, Utc::now()).await;
    done_or_problem(&db, &csrf.0, ids, "note", result).await
}

#[derive(serde::Deserialize, Default)]
#[serde(default)]
pub struct HoldForm {
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

#[derive(serde::Deserialize, Default)]
#[serde(default)]
pub struct OfflinePaymentForm {
    amount: String,
    method: String,
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
