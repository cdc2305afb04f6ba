//! Paying: choose what to pay, go to checkout (Stripe, or the clearly labelled offline test
//! page), come back to the truth about the payment, see past payments and receipts.
use actix_web::{get, post, web};
use askama::Template;
use chrono::Utc;
use sea_orm::DatabaseConnection;

use super::plan_forms::read_amount;
use super::plan_views::sentence_case;
use crate::config::Settings;
use crate::domain::feedback::FeedbackMoment;
use crate::domain::payments::PaymentStatus;
use crate::domain::wording::{full_date, local_time};
use crate::providers::PaymentProvider;
use crate::providers::offline::OfflineProvider;
use crate::services::accounts::debtors;
use crate::services::payments::{
    self, PaymentError, checkout::Payer, checkout::StartOutcome, options::PayChoice,
    options::PaymentOptions, views::AttemptView,
};
use crate::web::auth::SignedInDebtor;
use crate::web::care::FeedbackAsk;
use crate::web::csrf::CsrfToken;
use crate::web::errors::{AppError, PageResult};
use crate::web::forms::Problems;
use crate::web::pages::{self, Chrome, FieldError};

async fn load_options(
    db: &DatabaseConnection,
    who: &SignedInDebtor,
    id: i32,
) -> Result<PaymentOptions, AppError> {
    payments::options::options(db, who.0.debtor_id, id, Utc::now().date_naive())
        .await
        .map_err(AppError::internal)?
        .ok_or(AppError::NotFound)
}

#[derive(serde::Deserialize, Default, Clone)]
#[serde(default)]
pub struct PayForm {
    choice: String,
    amount: String,
}

#[derive(Template)]
#[template(path = "debtor/pay/choose.html")]
struct PayPage {
    chrome: Chrome,
    account_id: i32,
    creditor: String,
    balance: String,
    settled: bool,
    full_amount: String,
    saving: Option<String>,
    saving_until: Option<String>,
    next: Option<(String, String)>,
    overdue: Option<String>,
    is_test: bool,
    /// False when this instance has no way to take card payments: the page says how else to pay.
    card_payments: bool,
    reference: String,
    form: PayForm,
    errors: Vec<FieldError>,
    problems: Problems,
    notice: Option<String>,
}

fn pay_page(
    csrf: &str,
    options: &PaymentOptions,
    provider: &PaymentProvider,
    form: PayForm,
    problems: Problems,
) -> PayPage {
    let account = &options.account;
    PayPage {
        chrome: Chrome::debtor(csrf),
        account_id: account.account_id,
        creditor: account.creditor_name.clone(),
        balance: account.balance.to_string(),
        settled: !account.balance.is_positive(),
        full_amount: options.offer.map_or(account.balance, |o| o.pay).to_string(),
        saving: options.offer.map(|o| o.discount.to_string()),
        saving_until: options.offer.map(|o| full_date(o.last_day)),
        next: options
            .next_installment
            .map(|(date, amount)| (amount.to_string(), full_date(date))),
        overdue: options.overdue.map(|amount| amount.to_string()),
        is_test: provider.is_offline(),
        card_payments: provider.takes_card_payments(),
        reference: account.reference.clone(),
        errors: problems.0.clone(),
        form,
        problems,
        notice: None,
    }
}

#[get("/account/{id}/pay")]
pub async fn choose(
    who: SignedInDebtor,
    path: web::Path<i32>,
    csrf: CsrfToken,
    db: web::Data<DatabaseConnection>,
    provider: web::Data<PaymentProvider>,
) -> PageResult {
    let options = load_options(&db, &who, *path).await?;
    payments::options::note_offer_seen(&db, &options, Utc::now().date_naive())
        .await
        .map_err(AppError::internal)?;
    let form = PayForm {
        choice: "full".into(),
        ..Default::default()
    };
    Ok(pages::ok(&pay_page(
        &csrf.0,
        &options,
        &provider,
        form,
        Problems::default(),
    )))
}

#[post("/account/{id}/pay")]
pub async fn start(
    who: SignedInDebtor,
    path: web::Path<i32>,
    form: web::Form<PayForm>,
    csrf: CsrfToken,
    db: web::Data<DatabaseConnection>,
    provider: web::Data<PaymentProvider>,
    settings: web::Data<Settings>,
) -> PageResult {
    let options = load_options(&db, &who, *path).await?;
    let form = form.into_inner();
    let mut problems = Problems::default();
    let choice = match form.choice.as_str() {
        "full" => Some(PayChoice::Full),
        "next" => Some(PayChoice::NextInstallment),
        "catch_up" => Some(PayChoice::CatchUp),
        "other" => read_amount(&form.amount, &options.account, "amount", &mut problems)
            .map(PayChoice::Other),
        _ => {
            problems.add("choice", "Choose how much you want to pay");
            None
        }
    };
    let invalid = |problems: Problems, form: PayForm| {
        pages::invalid(&pay_page(&csrf.0, &options, &provider, form, problems))
    };
    let Some(choice) = choice else {
        return Ok(invalid(problems, form));
    };
    let payer = Payer {
        debtor_id: who.0.debtor_id,
        account_id: options.account.account_id,
    };
    match payments::checkout::start(
        &db,
        &provider,
        payer,
        choice,
        &settings.base_url,
        Utc::now(),
    )
    .await
    {
        Ok(StartOutcome::Redirect { url, .. }) => Ok(pages::see_other(&url)),
        Ok(StartOutcome::NotStarted { message, .. }) => {
            let mut page = pay_page(&csrf.0, &options, &provider, form, Problems::default());
            page.notice = Some(message);
            Ok(pages::unavailable(&page))
        }
        Err(PaymentError::Amount(message)) => {
            problems.add(
                if matches!(choice, PayChoice::NextInstallment | PayChoice::CatchUp) {
                    "choice"
                } else {
                    "amount"
                },
                message,
            );
            Ok(invalid(problems, form))
        }
        Err(PaymentError::NothingOwed) => {
            problems.add("choice", "There is nothing left to pay on this account");
            Ok(invalid(problems, form))
        }
        // The page itself explains that card payments are not available and how else to pay.
        Err(PaymentError::CardPaymentsOff) => Ok(pages::ok(&pay_page(
            &csrf.0,
            &options,
            &provider,
            form,
            Problems::default(),
        ))),
        Err(other) => Err(AppError::internal(other)),
    }
}

#[derive(Template)]
#[template(path = "debtor/pay/test_checkout.html")]
struct TestCheckoutPage {
    chrome: Chrome,
    attempt: AttemptView,
}

/// The offline provider's checkout: a test page where no money moves.
#[get("/pay/test-checkout/{attempt}")]
pub async fn test_checkout(
    who: SignedInDebtor,
    path: web::Path<i32>,
    csrf: CsrfToken,
    db: web::Data<DatabaseConnection>,
    provider: web::Data<PaymentProvider>,
) -> PageResult {
    let attempt = test_attempt(&db, &provider, &who, *path).await?;
    if !attempt.status.is_pending() {
        return Ok(pages::see_other(&attempt_page(&attempt)));
    }
    Ok(pages::ok(&TestCheckoutPage {
        chrome: Chrome::debtor(&csrf.0),
        attempt,
    }))
}

async fn test_attempt(
    db: &DatabaseConnection,
    provider: &PaymentProvider,
    who: &SignedInDebtor,
    id: i32,
) -> Result<AttemptView, AppError> {
    if !provider.is_offline() {
        return Err(AppError::NotFound);
    }
    payments::checkout::open_test_attempt(db, who.0.debtor_id, id)
        .await
        .map_err(AppError::internal)?
        .ok_or(AppError::NotFound)
}

fn attempt_page(attempt: &AttemptView) -> String {
    format!("/account/{}/payments/{}", attempt.account_id, attempt.id)
}

#[derive(serde::Deserialize, Default)]
#[serde(default)]
pub struct TestOutcomeForm {
    outcome: String,
}

#[post("/pay/test-checkout/{attempt}")]
pub async fn test_outcome(
    who: SignedInDebtor,
    path: web::Path<i32>,
    form: web::Form<TestOutcomeForm>,
    db: web::Data<DatabaseConnection>,
    provider: web::Data<PaymentProvider>,
    settings: web::Data<Settings>,
) -> PageResult {
    let attempt = test_attempt(&db, &provider, &who, *path).await?;
    // A settled attempt cannot change: "Succeed" after "Decline" (or the other way round, or
    // from an old tab) only shows what already happened.
    if !PaymentStatus::UNDECIDED.contains(&attempt.status) {
        return Ok(pages::see_other(&attempt_page(&attempt)));
    }
    let minor = attempt.amount.to_minor().map_err(AppError::internal)?;
    let reference = attempt.provider_ref.clone().unwrap_or_default();
    let event = match form.outcome.as_str() {
        "succeed" => OfflineProvider::paid(
            attempt.id,
            &reference,
            minor,
            attempt.amount.currency().code(),
        ),
        "decline" => OfflineProvider::declined(attempt.id, &reference),
        _ => return Err(AppError::BadRequest),
    };
    // The same processing a Stripe webhook gets.
    payments::events::handle_event(&db, &event, &settings.base_url, Utc::now())
        .await
        .map_err(AppError::internal)?;
    Ok(pages::see_other(&attempt_page(&attempt)))
}

pub struct AttemptRow {
    pub id: i32,
    pub date: String,
    pub what: &'static str,
    pub amount: String,
    pub discount: Option<String>,
    pub status: &'static str,
    pub is_paid: bool,
    pub refunded: Option<String>,
    pub message: Option<String>,
    pub is_test: bool,
}

impl AttemptRow {
    /// `zone` is the person's time zone: the time reads as their clock showed it.
    fn of(a: &AttemptView, zone: &str) -> Self {
        let status = match a.status {
            PaymentStatus::Succeeded => "Paid",
            PaymentStatus::Refunded => "Refunded",
            PaymentStatus::Pending => "We are confirming this payment",
            PaymentStatus::Failed => "Did not go through",
            PaymentStatus::Expired => "Not completed",
            PaymentStatus::Flagged => "Being checked by our team",
            PaymentStatus::Created => "Not started",
        };
        Self {
            id: a.id,
            date: local_time(a.succeeded_at.unwrap_or(a.created_at), zone),
            what: a.purpose.label(),
            amount: a.amount.to_string(),
            discount: (!a.discount.is_zero() && a.status == PaymentStatus::Succeeded)
                .then(|| a.discount.to_string()),
            status,
            is_paid: a.status.is_settled(),
            refunded: (!a.refunded.is_zero()).then(|| a.refunded.to_string()),
            message: a.message.clone(),
            is_test: a.is_test,
        }
    }
}

#[derive(Template)]
#[template(path = "debtor/pay/result.html")]
struct ResultPage {
    chrome: Chrome,
    account_id: i32,
    row: AttemptRow,
    outcome: PaymentOutcome,
    /// "How easy was that?", asked once the payment is done.
    feedback: Option<FeedbackAsk>,
}

/// What the return page tells the person about their payment.
#[derive(Clone, Copy, PartialEq, Eq)]
enum PaymentOutcome {
    Paid,
    /// The provider, or our team, has not given the final word yet.
    Confirming,
    NotPaid,
}

impl PaymentOutcome {
    fn of(status: PaymentStatus) -> Self {
        if status.is_settled() {
            Self::Paid
        } else if status.did_not_go_through() {
            Self::NotPaid
        } else {
            Self::Confirming
        }
    }

    fn is_paid(&self) -> bool {
        *self == Self::Paid
    }

    fn is_confirming(&self) -> bool {
        *self == Self::Confirming
    }
}

/// Where Stripe (or the test page) sends the person back. A pending payment is checked with
/// the provider first, so this page says what really happened.
#[get("/account/{id}/payments/{attempt}")]
pub async fn result(
    who: SignedInDebtor,
    path: web::Path<(i32, i32)>,
    csrf: CsrfToken,
    db: web::Data<DatabaseConnection>,
    provider: web::Data<PaymentProvider>,
    settings: web::Data<Settings>,
) -> PageResult {
    let (account_id, attempt_id) = path.into_inner();
    let attempt = payments::views::attempt_for_debtor(
        &db,
        &provider,
        &settings.base_url,
        who.0.debtor_id,
        account_id,
        attempt_id,
        Utc::now(),
    )
    .await
    .map_err(AppError::internal)?
    .ok_or(AppError::NotFound)?;
    let zone = zone_of(&db, &who).await?;
    let outcome = PaymentOutcome::of(attempt.status);
    Ok(pages::ok(&ResultPage {
        chrome: Chrome::debtor(&csrf.0),
        account_id,
        feedback: outcome.is_paid().then_some(FeedbackAsk {
            account_id,
            moment: FeedbackMoment::PaymentCompleted,
        }),
        outcome,
        row: AttemptRow::of(&attempt, &zone),
    }))
}

#[derive(Template)]
#[template(path = "debtor/pay/history.html")]
struct HistoryPage {
    chrome: Chrome,
    account_id: i32,
    rows: Vec<AttemptRow>,
}

#[get("/account/{id}/payments")]
pub async fn history(
    who: SignedInDebtor,
    path: web::Path<i32>,
    csrf: CsrfToken,
    db: web::Data<DatabaseConnection>,
) -> PageResult {
    let account_id = path.into_inner();
    // Scoped by the person: someone else's account shows nothing, as if it did not exist.
    let options = load_options(&db, &who, account_id).await?;
    let rows = payments::views::history(db.get_ref(), who.0.debtor_id, options.account.account_id)
        .await
        .map_err(AppError::internal)?;
    let zone = zone_of(&db, &who).await?;
    Ok(pages::ok(&HistoryPage {
        chrome: Chrome::debtor(&csrf.0),
        account_id,
        rows: rows.iter().map(|a| AttemptRow::of(a, &zone)).collect(),
    }))
}

#[derive(Template)]
#[template(path = "debtor/pay/receipt.html")]
struct ReceiptPage {
    chrome: Chrome,
    account_id: i32,
    reference: String,
    creditor: String,
    row: AttemptRow,
    how_often: Option<String>,
}

#[get("/account/{id}/payments/{attempt}/receipt")]
pub async fn receipt(
    who: SignedInDebtor,
    path: web::Path<(i32, i32)>,
    csrf: CsrfToken,
    db: web::Data<DatabaseConnection>,
    provider: web::Data<PaymentProvider>,
    settings: web::Data<Settings>,
) -> PageResult {
    let (account_id, attempt_id) = path.into_inner();
    let options = load_options(&db, &who, account_id).await?;
    let attempt = payments::views::attempt_for_debtor(
        &db,
        &provider,
        &settings.base_url,
        who.0.debtor_id,
        account_id,
        attempt_id,
        Utc::now(),
    )
    .await
    .map_err(AppError::internal)?
    .filter(|a| a.status.is_settled())
    .ok_or(AppError::NotFound)?;
    let zone = zone_of(&db, &who).await?;
    Ok(pages::ok(&ReceiptPage {
        chrome: Chrome::debtor(&csrf.0),
        account_id,
        reference: options.account.reference.clone(),
        creditor: options.account.creditor_name.clone(),
        row: AttemptRow::of(&attempt, &zone),
        how_often: options
            .account
            .open_plan()
            .and_then(|p| p.frequency)
            .map(|f| sentence_case(f.label())),
    }))
}

/// The signed-in person's time zone, for the times on their pages.
async fn zone_of(db: &DatabaseConnection, who: &SignedInDebtor) -> Result<String, AppError> {
    Ok(debtors::time_zone_of(db, who.0.debtor_id)
        .await
        .map_err(AppError::internal)?
        .unwrap_or_default())
}
