//! The balance page: who is owed, for what, the balance in words and figures, and every entry
//! with a plain explanation, with totals that visibly add up.
use actix_web::{get, web};
use askama::Template;
use chrono::{NaiveDate, Utc};
use sea_orm::ConnectionTrait;

use crate::db::ReadDb;
use crate::domain::Money;
use crate::domain::money::amount_in_words;
use crate::domain::standing::AccountStanding;
use crate::domain::wording::full_date;
use crate::services::accounts::statements::{self, Scope, Statement};
use crate::services::plans::records;
use crate::web::auth::SignedInDebtor;
use crate::web::csrf::CsrfToken;
use crate::web::errors::{AppError, PageResult};
use crate::web::pages::{self, Chrome, long_date};

pub struct ItemView {
    pub date: String,
    pub label: &'static str,
    pub description: String,
    pub reason: Option<String>,
    pub amount: String,
    pub increases: bool,
    pub running_balance: String,
}

pub struct AccountView {
    pub id: i32,
    pub reference: String,
    pub description: String,
    pub creditor_name: String,
    pub creditor_email: String,
    pub creditor_phone: String,
    pub balance: String,
    pub balance_in_words: String,
    pub settled: bool,
    pub credit: Option<String>,
    pub items: Vec<ItemView>,
    pub original: String,
    pub fees_and_interest: String,
    pub has_fees_and_interest: bool,
    pub other_additions: String,
    pub has_other_additions: bool,
    pub paid_and_credited: String,
    pub has_paid_and_credited: bool,
    /// Where the person stands, for "What happens next" (debtor pages only).
    pub standing: Option<StandingView>,
    /// The person disputes it and the creditor has not answered: collection is paused.
    pub disputed: bool,
    /// The day a breathing space in force ends, in words (debtor pages only).
    pub breathing_space_until: Option<String>,
}

/// A payment as the balance page names it: the amount and the date in words.
pub struct NextPayment {
    pub amount: String,
    pub date: String,
}

impl NextPayment {
    fn of(next: Option<(NaiveDate, Money)>) -> Option<Self> {
        next.map(|(date, amount)| Self {
            amount: amount.to_string(),
            date: full_date(date),
        })
    }
}

/// [`AccountStanding`] in words and figures: one template branch per state.
pub enum StandingView {
    PaidInFull,
    NoPlan,
    AwaitingReply,
    OnTrack {
        next: Option<NextPayment>,
    },
    PaymentMissed {
        overdue: String,
        next: Option<NextPayment>,
    },
    PlanBroken {
        overdue: String,
    },
    PayLater {
        by: String,
    },
}

impl From<AccountStanding> for StandingView {
    fn from(standing: AccountStanding) -> Self {
        match standing {
            AccountStanding::PaidInFull => Self::PaidInFull,
            AccountStanding::NoPlan => Self::NoPlan,
            AccountStanding::AwaitingReply => Self::AwaitingReply,
            AccountStanding::OnTrack { next } => Self::OnTrack {
                next: NextPayment::of(next),
            },
            AccountStanding::PaymentMissed { overdue, next } => Self::PaymentMissed {
                overdue: overdue.to_string(),
                next: NextPayment::of(next),
            },
            AccountStanding::PlanBroken { overdue } => Self::PlanBroken {
                overdue: overdue.to_string(),
            },
            AccountStanding::PayLater { by } => Self::PayLater { by: full_date(by) },
        }
    }
}

impl AccountView {
    pub fn from_statement(s: Statement) -> Self {
        let totals = *s.explanation.totals();
        let items = s
            .explanation
            .items()
            .iter()
            .map(|i| ItemView {
                date: long_date(i.date()),
                label: i.label(),
                description: i.description().to_string(),
                reason: i.reason().map(str::to_string),
                amount: i.shown_amount().to_string(),
                increases: i.increases,
                running_balance: i.running_balance.to_string(),
            })
            .collect();
        let balance = s.explanation.balance();
        Self {
            id: s.account_id,
            reference: s.reference,
            description: s.description,
            creditor_name: s.creditor.display_name,
            creditor_email: s.creditor.email,
            creditor_phone: s.creditor.phone,
            balance: balance.to_string(),
            balance_in_words: amount_in_words(&balance),
            settled: s.explanation.is_settled(),
            credit: s.explanation.credit().map(|c| c.to_string()),
            items,
            original: totals.original.to_string(),
            fees_and_interest: totals.fees_and_interest.to_string(),
            has_fees_and_interest: !totals.fees_and_interest.is_zero(),
            other_additions: totals.other_additions.to_string(),
            has_other_additions: !totals.other_additions.is_zero(),
            paid_and_credited: totals.paid_and_credited.to_string(),
            has_paid_and_credited: !totals.paid_and_credited.is_zero(),
            standing: None,
            disputed: false,
            breathing_space_until: None,
        }
    }
}

/// The debtor's view of each statement, with where they stand given the account's newest plan.
async fn with_standing<C: ConnectionTrait>(
    db: &C,
    debtor_id: i32,
    statements: Vec<Statement>,
) -> Result<Vec<AccountView>, AppError> {
    let ids: Vec<i32> = statements.iter().map(|s| s.account_id).collect();
    let plans = records::latest_for_person(db, debtor_id, &ids)
        .await
        .map_err(AppError::internal)?;
    let today = Utc::now().date_naive();
    Ok(statements
        .into_iter()
        .map(|s| {
            let facts = plans.get(&s.account_id).map(|p| p.facts(today));
            let standing = AccountStanding::of(s.explanation.balance(), facts.as_ref());
            let holds = s.holds;
            AccountView {
                standing: Some(standing.into()),
                disputed: holds.disputed,
                breathing_space_until: holds
                    .breathing_space_until
                    .map(|until| full_date(until.date_naive())),
                ..AccountView::from_statement(s)
            }
        })
        .collect())
}

#[derive(Template)]
#[template(path = "debtor/account.html")]
struct AccountPage {
    chrome: Chrome,
    first_name: String,
    accounts: Vec<AccountView>,
    single: bool,
}

#[get("/account")]
pub async fn balance_page(
    who: SignedInDebtor,
    csrf: CsrfToken,
    reads: web::Data<ReadDb>,
) -> PageResult {
    let db = reads.get_ref();
    let statements = statements::for_debtor(db, who.0.debtor_id)
        .await
        .map_err(AppError::internal)?;
    Ok(pages::ok(&AccountPage {
        chrome: Chrome::debtor(&csrf.0),
        first_name: who.0.first_name,
        accounts: with_standing(db, who.0.debtor_id, statements).await?,
        single: false,
    }))
}

/// One account, for a printable statement. Someone else's account id is simply not found.
#[get("/account/{id}")]
pub async fn one_account(
    who: SignedInDebtor,
    path: web::Path<i32>,
    csrf: CsrfToken,
    reads: web::Data<ReadDb>,
) -> PageResult {
    let db = reads.get_ref();
    let id = path.into_inner();
    let statement = statements::for_account(db, id, Scope::Debtor(who.0.debtor_id))
        .await
        .map_err(AppError::internal)?
        .ok_or(AppError::NotFound)?;
    Ok(pages::ok(&AccountPage {
        chrome: Chrome::debtor(&csrf.0),
        first_name: who.0.first_name,
        accounts: with_standing(db, who.0.debtor_id, vec![statement]).await?,
        single: true,
    }))
}
