//! The synthetic portfolio (`goodterms demo --accounts N`, and `serve --demo`): realistic
//! accounts whose rows keep every rule the app relies on, so the creditor's pages come alive.
use std::collections::{HashMap, HashSet};

use chrono::Utc;
use goodterms::domain::lifecycle::{self, InstallmentProgress};
use goodterms::domain::payments::PaymentStatus;
use goodterms::domain::plans::{PlanKind, PlanStatus};
use goodterms::domain::{Currency, EntryKind, EntryOrigin, Money};
use goodterms::entities::{
    account, debtor, installment, ledger_entry, payment_allocation, payment_attempt, person, plan,
};
use goodterms::services::demo;
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter};

use crate::helpers::{TestApp, spawn_demo_app};

const STAFF: (&str, &str) = ("staff@northwind.example", "northwind-demo");

fn gbp(minor: i64) -> Money {
    Money::from_minor(minor, Currency::GBP)
}

/// Everything written for the synthetic accounts, loaded once for the checks below.
struct Portfolio {
    accounts: Vec<account::Model>,
    plans: Vec<plan::Model>,
    installments: Vec<installment::Model>,
    entries: Vec<ledger_entry::Model>,
    attempts: Vec<payment_attempt::Model>,
    allocations: Vec<payment_allocation::Model>,
}

async fn load(app: &TestApp) -> Portfolio {
    let accounts = account::Entity::find()
        .filter(account::Column::Reference.starts_with(demo::REFERENCE_PREFIX))
        .all(&app.db)
        .await
        .unwrap();
    let ids: HashSet<i32> = accounts.iter().map(|a| a.id).collect();
    let plans: Vec<plan::Model> = plan::Entity::find().all(&app.db).await.unwrap();
    let plans: Vec<_> = plans
        .into_iter()
        .filter(|p| ids.contains(&p.account_id))
        .collect();
    let plan_ids: HashSet<i32> = plans.iter().map(|p| p.id).collect();
    let installments = installment::Entity::find().all(&app.db).await.unwrap();
    let entries = ledger_entry::Entity::find().all(&app.db).await.unwrap();
    let attempts = payment_attempt::Entity::find().all(&app.db).await.unwrap();
    Portfolio {
        installments: installments
            .into_iter()
            .filter(|i| plan_ids.contains(&i.plan_id))
            .collect(),
        entries: entries
            .into_iter()
            .filter(|e| ids.contains(&e.account_id))
            .collect(),
        attempts: attempts
            .into_iter()
            .filter(|a| ids.contains(&a.account_id))
            .collect(),
        allocations: payment_allocation::Entity::find()
            .all(&app.db)
            .await
            .unwrap(),
        accounts,
        plans,
    }
}

impl Portfolio {
    fn installments_of(&self, plan_id: i32) -> Vec<&installment::Model> {
        let mut found: Vec<_> = self
            .installments
            .iter()
            .filter(|i| i.plan_id == plan_id)
            .collect();
        found.sort_by_key(|i| i.seq);
        found
    }

    fn balance(&self, account_id: i32) -> i64 {
        self.entries
            .iter()
            .filter(|e| e.account_id == account_id)
            .map(|e| e.amount_minor.0)
            .sum()
    }
}

/// Installments add up to the plan, paid amounts to what payments allocated, and agreed
/// plans stand where the scheduler's own assessment puts them.
fn check_plans(p: &Portfolio) {
    let today = Utc::now().date_naive();
    let mut open = HashSet::new();
    for plan in &p.plans {
        if plan.status.is_open() {
            assert!(
                open.insert(plan.account_id),
                "two open plans on one account"
            );
        }
        let items = p.installments_of(plan.id);
        if plan.kind == PlanKind::Deferral {
            assert!(items.is_empty() && plan.defer_until.is_some());
            continue;
        }
        let sum: i64 = items.iter().map(|i| i.amount_minor).sum();
        assert_eq!(sum, plan.total_minor, "plan {} installments", plan.id);
        for item in &items {
            let allocated: i64 = p
                .allocations
                .iter()
                .filter(|a| a.installment_id == item.id)
                .map(|a| a.amount_minor)
                .sum();
            assert_eq!(item.paid_minor, allocated, "installment {}", item.id);
        }
        if PlanStatus::AGREED.contains(&plan.status) {
            check_assessed(plan, &items, today);
        }
    }
}

fn check_assessed(plan: &plan::Model, items: &[&installment::Model], today: chrono::NaiveDate) {
    let progress: Vec<InstallmentProgress> = items
        .iter()
        .map(|i| InstallmentProgress {
            seq: i.seq as u32,
            due_on: i.due_on,
            amount: gbp(i.amount_minor),
            paid: gbp(i.paid_minor),
        })
        .collect();
    let grace = plan.grace_days as u32;
    let assessed = lifecycle::assess(&progress, today, grace, plan.missed_to_break as u32).unwrap();
    assert_eq!(
        PlanStatus::from(assessed.state),
        plan.status,
        "plan {}",
        plan.id
    );
    for item in items {
        let missed = assessed.missed.contains(&(item.seq as u32));
        assert_eq!(item.missed, missed, "installment {}", item.id);
    }
}

/// What the ledger booked in the portal is exactly what payments took and refunds gave back;
/// the creditor's own charges are marked as theirs; nobody owes less than nothing.
fn check_money(p: &Portfolio) {
    for account in &p.accounts {
        let attempts: Vec<_> = p
            .attempts
            .iter()
            .filter(|a| a.account_id == account.id)
            .collect();
        let paid: i64 = attempts
            .iter()
            .filter(|a| a.status.is_settled())
            .map(|a| a.amount_minor)
            .sum();
        let refunded: i64 = attempts.iter().map(|a| a.refunded_minor).sum();
        let booked = |kind: EntryKind| -> i64 {
            p.entries
                .iter()
                .filter(|e| e.account_id == account.id && e.kind == kind)
                .map(|e| e.amount_minor.0)
                .sum()
        };
        assert_eq!(-booked(EntryKind::Payment), paid, "{}", account.reference);
        assert_eq!(
            booked(EntryKind::Reversal),
            refunded,
            "{}",
            account.reference
        );
        assert!(p.balance(account.id) >= 0, "{}", account.reference);
    }
    for entry in &p.entries {
        let portal = matches!(entry.kind, EntryKind::Payment | EntryKind::Reversal);
        let origin = if portal {
            EntryOrigin::Portal
        } else {
            EntryOrigin::Creditor
        };
        assert_eq!(entry.origin, origin, "entry {}", entry.id);
    }
    for allocation in &p.allocations {
        let attempt = p.attempts.iter().find(|a| a.id == allocation.attempt_id);
        if let Some(attempt) = attempt {
            assert!(attempt.status.is_settled() && attempt.plan_id.is_some());
        }
    }
    for plan in p.plans.iter().filter(|p| p.status == PlanStatus::Completed) {
        assert_eq!(p.balance(plan.account_id), 0, "completed plan {}", plan.id);
    }
}

/// Each account's debtor row belongs to a person with the same email and date of birth.
async fn check_people(app: &TestApp, p: &Portfolio) {
    let debtors: HashMap<i32, debtor::Model> = debtor::Entity::find()
        .all(&app.db)
        .await
        .unwrap()
        .into_iter()
        .map(|d| (d.id, d))
        .collect();
    let people: HashMap<i32, person::Model> = person::Entity::find()
        .all(&app.db)
        .await
        .unwrap()
        .into_iter()
        .map(|p| (p.id, p))
        .collect();
    for account in &p.accounts {
        let holder = &debtors[&account.debtor_id];
        let who = &people[&holder.person_id.expect("linked to a person")];
        assert_eq!(who.email_normalised, holder.email.to_lowercase());
        assert_eq!(who.dob_hash, holder.dob_hash);
    }
}

/// The figure in the dashboard's "Plans by status" table for this status.
fn plans_in(dashboard: &str, status: PlanStatus) -> u64 {
    let cell =
        format!("<td data-label=\"Status\">{status}</td><td class=\"num\" data-label=\"Plans\">");
    let start = dashboard.find(&cell).map(|at| at + cell.len());
    let digits: String = start
        .map(|at| {
            dashboard[at..]
                .chars()
                .take_while(char::is_ascii_digit)
                .collect()
        })
        .unwrap_or_default();
    digits.parse().unwrap_or(0)
}

#[tokio::test]
async fn a_generated_portfolio_keeps_every_rule_and_fills_the_creditors_pages() {
    let app = spawn_demo_app().await;
    let added = demo::add_synthetic(&app.db, &app.hasher, 300, Utc::now())
        .await
        .unwrap();
    assert_eq!(added, 300);

    let portfolio = load(&app).await;
    assert_eq!(portfolio.accounts.len(), 300);
    check_plans(&portfolio);
    check_money(&portfolio);
    check_people(&app, &portfolio).await;
    for status in PlanStatus::ALL {
        assert!(
            portfolio.plans.iter().any(|p| p.status == status),
            "{status}"
        );
    }
    for status in PaymentStatus::ALL {
        assert!(
            portfolio.attempts.iter().any(|a| a.status == status),
            "{status}"
        );
    }
    assert!(portfolio.installments.iter().any(|i| i.missed));

    app.sign_in_staff(STAFF.0, STAFF.1).await;
    let dashboard = app.get_html("/staff/dashboard").await;
    for status in PlanStatus::ALL {
        assert!(
            plans_in(&dashboard, status) > 0,
            "{status} on the dashboard"
        );
    }
    assert!(!dashboard.contains("<dd>£0.00</dd>"), "a figure is empty");
    for status in PlanStatus::ALL {
        let list = app
            .get_html(&format!("/staff/plans?status={}", status.as_str()))
            .await;
        assert!(
            list.contains(demo::REFERENCE_PREFIX),
            "no {status} plans listed"
        );
    }
}

#[tokio::test]
async fn running_the_demo_again_adds_new_accounts_and_keeps_the_demo_people() {
    let app = spawn_demo_app().await;
    let now = Utc::now();
    assert_eq!(
        demo::add_living_portfolio(&app.db, &app.hasher, now)
            .await
            .unwrap(),
        demo::LIVING_PORTFOLIO
    );
    assert_eq!(
        demo::add_living_portfolio(&app.db, &app.hasher, now)
            .await
            .unwrap(),
        0
    );
    demo::load(&app.db, &app.hasher, now).await.unwrap();
    demo::add_synthetic(&app.db, &app.hasher, 20, now)
        .await
        .unwrap();
    demo::add_synthetic(&app.db, &app.hasher, 20, now)
        .await
        .unwrap();

    let references: Vec<String> = account::Entity::find()
        .all(&app.db)
        .await
        .unwrap()
        .into_iter()
        .map(|a| a.reference)
        .collect();
    let unique: HashSet<&String> = references.iter().collect();
    assert_eq!(unique.len(), references.len());
    let synthetic = demo::LIVING_PORTFOLIO as usize + 40;
    assert_eq!(references.len(), synthetic + 2, "Alex and Sam, once each");
    assert!(references.contains(&demo::reference(synthetic as u64)));
    let alex = account::Entity::find()
        .filter(account::Column::Reference.eq("NW-1001"))
        .one(&app.db)
        .await
        .unwrap()
        .unwrap();
    let entries = ledger_entry::Entity::find()
        .filter(ledger_entry::Column::AccountId.eq(alex.id))
        .all(&app.db)
        .await
        .unwrap();
    let owed: i64 = entries.iter().map(|e| e.amount_minor.0).sum();
    assert_eq!(
        (entries.len(), owed),
        (3, 106_500),
        "Alex's account is as before"
    );
}

/// Two runs at once (two terminals, or two servers starting with `--demo`): each batch
/// numbers its accounts after what is committed, so neither fails on a taken reference.
#[tokio::test]
async fn two_runs_at_once_both_add_their_accounts() {
    let app = spawn_demo_app().await;
    let now = Utc::now();
    let (one, two, living) = tokio::join!(
        demo::add_synthetic(&app.db, &app.hasher, 60, now),
        demo::add_synthetic(&app.db, &app.hasher, 60, now),
        demo::add_living_portfolio(&app.db, &app.hasher, now),
    );
    let added = one.unwrap() + two.unwrap() + living.unwrap();
    let portfolio = load(&app).await;
    assert_eq!(portfolio.accounts.len() as u64, added);
    assert!(added >= 120);
    for n in 1..=added {
        let reference = demo::reference(n);
        assert!(
            portfolio.accounts.iter().any(|a| a.reference == reference),
            "{reference}"
        );
    }
    check_plans(&portfolio);
    check_money(&portfolio);
}
