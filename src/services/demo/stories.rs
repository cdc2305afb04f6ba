//! What happened on one synthetic account, drawn in memory before anything is written.
//!
//! Each account's generator is seeded with its number, so the same number always tells the
//! same story, whatever the batch size or how many runs came before. Plan statuses and
//! missed flags are not chosen: they come from [`lifecycle::assess`], the rule the scheduler
//! applies, so the rows say what the app itself would say.
use chrono::{Duration, NaiveDate};
use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};

use crate::crypto::KeyedHasher;
use crate::domain::lifecycle::{self, InstallmentProgress};
use crate::domain::payments::{PaymentPurpose, PaymentStatus, ProviderName};
use crate::domain::plans::{PlanKind, PlanStatus};
use crate::domain::schedule::{self, Frequency, PlanSize, Schedule};
use crate::domain::{Currency, EntryKind, Money};
use crate::services::access::debtor_sign_in::dob_hash;

/// The demo policy's rules for missed payments, snapshotted on every agreed plan.
pub const GRACE_DAYS: u32 = 7;
pub const MISSED_TO_BREAK: u32 = 2;
/// The demo policy's smallest installment (£10.00).
pub const MIN_INSTALLMENT_MINOR: i64 = 1_000;

const FIRST_NAMES: [&str; 12] = [
    "Jordan", "Priya", "Tom", "Aisha", "Megan", "Oliver", "Fatima", "Callum", "Zoe", "Daniel",
    "Chloe", "Kwame",
];
const LAST_NAMES: [&str; 10] = [
    "Patel", "Smith", "Jones", "Okafor", "Williams", "Brown", "Khan", "Taylor", "Evans", "Wilson",
];
/// What the debt is for, and how its first charge reads.
const SUPPLIES: [(&str, &str); 4] = [
    ("Electricity supply", "Electricity used over three months"),
    ("Gas supply", "Gas used over three months"),
    (
        "Water and sewerage",
        "Water and sewerage charges for the year",
    ),
    ("Broadband and phone", "Broadband and phone charges"),
];
const FEE_REASON: &str = "Added because the bill was not paid by its due date. The contract for this account allows this fee once per bill.";

/// One entry from the creditor's own records.
pub struct Charge {
    pub kind: EntryKind,
    pub minor: i64,
    pub on: NaiveDate,
    pub description: &'static str,
    pub reason: Option<&'static str>,
}

pub struct PlanStory {
    pub kind: PlanKind,
    pub status: PlanStatus,
    pub total_minor: i64,
    pub schedule: Option<Schedule>,
    /// Whether each installment, in order, is missed (paid amounts come from the payments).
    pub missed: Vec<bool>,
    pub defer_until: Option<NaiveDate>,
    pub debtor_note: Option<&'static str>,
    pub decision_reason: Option<&'static str>,
    pub decided_on: Option<NaiveDate>,
    /// Agreed by the person (with the consent words recorded).
    pub agreed: bool,
    pub created_on: NaiveDate,
}

pub struct Payment {
    /// Unique across runs: the account's number and the payment's position.
    pub key: String,
    pub purpose: PaymentPurpose,
    pub provider: ProviderName,
    pub status: PaymentStatus,
    pub minor: i64,
    pub bank_reference: Option<String>,
    pub on: NaiveDate,
    pub failure: Option<&'static str>,
    /// Installment number and what this payment paid towards it.
    pub shares: Vec<(u32, i64)>,
}

impl Payment {
    /// The money arrived, so the ledger has it (a refund is a second entry).
    pub fn is_booked(&self) -> bool {
        self.status.is_settled()
    }
}

pub struct Story {
    pub n: u64,
    pub name: String,
    pub email: String,
    pub dob_hash: String,
    pub description: &'static str,
    pub opened: NaiveDate,
    pub charges: Vec<Charge>,
    pub plan: Option<PlanStory>,
    pub payments: Vec<Payment>,
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum Scenario {
    NoPlan,
    OnTrack,
    CaughtUp,
    BehindOne,
    Broken,
    Completed,
    Proposed,
    Countered,
    Declined,
    Cancelled,
    PayLater,
    PayLaterEnded,
}

/// Out of 100: most accounts are paying along, a few are in every other state.
const SCENARIOS: [(Scenario, u32); 12] = [
    (Scenario::NoPlan, 18),
    (Scenario::OnTrack, 18),
    (Scenario::CaughtUp, 8),
    (Scenario::BehindOne, 6),
    (Scenario::Broken, 10),
    (Scenario::Completed, 10),
    (Scenario::Proposed, 8),
    (Scenario::Countered, 5),
    (Scenario::Declined, 5),
    (Scenario::Cancelled, 4),
    (Scenario::PayLater, 4),
    (Scenario::PayLaterEnded, 4),
];

fn pick_scenario(rng: &mut StdRng) -> Scenario {
    let mut roll = rng.gen_range(0..100);
    for (scenario, weight) in SCENARIOS {
        if roll < weight {
            return scenario;
        }
        roll -= weight;
    }
    Scenario::NoPlan
}

fn days(n: i64) -> Duration {
    Duration::days(n)
}

/// The story of synthetic account number `n`, as of `today`.
pub fn tell(hasher: &KeyedHasher, n: u64, today: NaiveDate) -> Story {
    let mut rng = StdRng::seed_from_u64(n);
    let scenario = pick_scenario(&mut rng);
    let created_on = today - days(plan_age_days(scenario, &mut rng));
    let opened = created_on - days(rng.gen_range(40..=90));
    let mut story = opening(hasher, n, &mut rng, opened);
    let balance: i64 = story.charges.iter().map(|c| c.minor).sum();
    match scenario {
        Scenario::NoPlan => story.payments = loose_payments(n, &mut rng, &story, today),
        Scenario::PayLater | Scenario::PayLaterEnded => {
            story.plan = Some(deferral(&mut rng, balance, created_on, today));
        }
        Scenario::Proposed | Scenario::Countered | Scenario::Declined | Scenario::Cancelled => {
            story.plan = request(scenario, &mut rng, balance, created_on, today);
        }
        _ => {
            let agreed = agreed_plan(scenario, n, &mut rng, balance, created_on, today);
            if let Some((plan, payments)) = agreed {
                story.plan = Some(plan);
                story.payments = payments;
            }
        }
    }
    story
        .payments
        .extend(stray_attempts(n, &mut rng, &story, today));
    story
}

/// How long ago the plan was asked for (for accounts without one: roughly when the bill
/// went unpaid).
fn plan_age_days(scenario: Scenario, rng: &mut StdRng) -> i64 {
    match scenario {
        Scenario::NoPlan => rng.gen_range(0..=300),
        Scenario::OnTrack | Scenario::CaughtUp | Scenario::BehindOne => rng.gen_range(45..=150),
        Scenario::Broken => rng.gen_range(110..=200),
        Scenario::Completed => rng.gen_range(150..=365),
        Scenario::Proposed => rng.gen_range(0..=20),
        Scenario::Countered => rng.gen_range(3..=25),
        Scenario::Declined | Scenario::Cancelled => rng.gen_range(20..=200),
        Scenario::PayLater => rng.gen_range(1..=30),
        Scenario::PayLaterEnded => rng.gen_range(90..=200),
    }
}

/// The person, the account, the bill and (for about half) a late payment fee.
fn opening(hasher: &KeyedHasher, n: u64, rng: &mut StdRng, opened: NaiveDate) -> Story {
    let first = FIRST_NAMES[rng.gen_range(0..FIRST_NAMES.len())];
    let last = LAST_NAMES[rng.gen_range(0..LAST_NAMES.len())];
    let born =
        NaiveDate::from_ymd_opt(1950, 1, 1).unwrap_or_default() + days(rng.gen_range(0..18_000));
    let (description, bill) = SUPPLIES[rng.gen_range(0..SUPPLIES.len())];
    let mut charges = vec![Charge {
        kind: EntryKind::Principal,
        minor: rng.gen_range(60..=1_500) * 100 + rng.gen_range(0..100),
        on: opened,
        description: bill,
        reason: None,
    }];
    if rng.gen_bool(0.5) {
        charges.push(Charge {
            kind: EntryKind::Fee,
            minor: 2_500,
            on: opened + days(32),
            description: "Late payment fee",
            reason: Some(FEE_REASON),
        });
    }
    Story {
        n,
        name: format!("{first} {last}"),
        email: format!(
            "{}.{}.{n}@example.com",
            first.to_lowercase(),
            last.to_lowercase()
        ),
        dob_hash: dob_hash(hasher, born),
        description,
        opened,
        charges,
        plan: None,
        payments: Vec::new(),
    }
}

fn gbp(minor: i64) -> Money {
    Money::from_minor(minor, Currency::GBP)
}

/// Installments within the demo policy: up to 12, none below its smallest amount.
fn schedule_for(rng: &mut StdRng, total_minor: i64, first_due: NaiveDate) -> Option<Schedule> {
    let frequency = Frequency::ALL[rng.gen_range(0..Frequency::ALL.len())];
    let most = u32::try_from(total_minor / MIN_INSTALLMENT_MINOR)
        .unwrap_or(12)
        .clamp(1, 12);
    let count = rng.gen_range(3..=12).min(most);
    schedule::build(
        gbp(total_minor),
        frequency,
        PlanSize::NumberOfPayments(count),
        first_due,
    )
    .ok()
}

fn blank_plan(kind: PlanKind, total_minor: i64, created_on: NaiveDate) -> PlanStory {
    PlanStory {
        kind,
        status: PlanStatus::Active,
        total_minor,
        schedule: None,
        missed: Vec::new(),
        defer_until: None,
        debtor_note: None,
        decision_reason: None,
        decided_on: None,
        agreed: false,
        created_on,
    }
}

/// Pay later: still waiting, or the date has passed.
fn deferral(rng: &mut StdRng, balance: i64, created_on: NaiveDate, today: NaiveDate) -> PlanStory {
    let until = created_on + days(rng.gen_range(20..=60));
    let mut plan = blank_plan(PlanKind::Deferral, balance, created_on);
    plan.status = if until < today {
        PlanStatus::Ended
    } else {
        PlanStatus::Active
    };
    plan.defer_until = Some(until);
    plan.agreed = true;
    plan
}

/// A plan outside policy waiting for the creditor, a counter-offer waiting for the person,
/// one the creditor turned down, or one the person cancelled.
fn request(
    scenario: Scenario,
    rng: &mut StdRng,
    balance: i64,
    created_on: NaiveDate,
    today: NaiveDate,
) -> Option<PlanStory> {
    let mut plan = blank_plan(PlanKind::Installments, balance, created_on);
    let decided_on = (created_on + days(2)).min(today);
    plan.debtor_note = Some("I am paid every two weeks, so smaller payments are easier for me.");
    match scenario {
        Scenario::Proposed => plan.status = PlanStatus::Proposed,
        Scenario::Countered => {
            plan.status = PlanStatus::Countered;
            plan.decided_on = Some(decided_on);
        }
        Scenario::Declined => {
            plan.status = PlanStatus::Declined;
            plan.decided_on = Some(decided_on);
            plan.decision_reason = Some(
                "We cannot agree to payments this small for this bill. Please choose a shorter plan.",
            );
        }
        _ => {
            plan.status = PlanStatus::Cancelled;
            plan.agreed = true;
        }
    }
    let schedule = schedule_for(rng, balance, created_on + days(14))?;
    plan.missed = vec![false; schedule.installments().len()];
    plan.schedule = Some(schedule);
    Some(plan)
}

/// How the person paid an agreed plan so far, by scenario: every installment on its date; one
/// missed and caught up with the next; the latest one missed; the latest two missed (which
/// stops the plan); or all of it.
fn agreed_plan(
    scenario: Scenario,
    n: u64,
    rng: &mut StdRng,
    balance: i64,
    created_on: NaiveDate,
    today: NaiveDate,
) -> Option<(PlanStory, Vec<Payment>)> {
    let schedule = schedule_for(rng, balance, created_on + days(7))?;
    let items = schedule.installments();
    let decided: Vec<usize> = (0..items.len())
        .filter(|&i| items[i].due_on + days(i64::from(GRACE_DAYS)) < today)
        .collect();
    let unpaid: Vec<usize> = match scenario {
        Scenario::BehindOne => decided.iter().rev().take(1).copied().collect(),
        Scenario::Broken => decided.iter().rev().take(2).copied().collect(),
        _ => Vec::new(),
    };
    let late = (scenario == Scenario::CaughtUp && decided.len() >= 2)
        .then(|| rng.gen_range(0..decided.len() - 1));
    let mut payments = Vec::new();
    let mut pending_share: Option<(u32, i64)> = None;
    for (i, item) in items.iter().enumerate() {
        let everything = scenario == Scenario::Completed;
        if (item.due_on >= today && !everything) || unpaid.contains(&i) {
            continue;
        }
        let share = (item.seq, item.amount.to_minor().ok()?);
        if late == Some(i) {
            pending_share = Some(share);
            continue;
        }
        let mut shares: Vec<(u32, i64)> = pending_share.take().into_iter().collect();
        shares.push(share);
        let on = item.due_on.min(today);
        payments.extend(installment_payment(n, payments.len(), rng, on, shares));
    }
    let plan = assessed_plan(schedule, balance, created_on, &payments, today)?;
    Some((plan, payments))
}

/// Sets status and missed flags the way the scheduler would from what was paid.
fn assessed_plan(
    schedule: Schedule,
    balance: i64,
    created_on: NaiveDate,
    payments: &[Payment],
    today: NaiveDate,
) -> Option<PlanStory> {
    let progress: Vec<InstallmentProgress> = schedule
        .installments()
        .iter()
        .map(|item| {
            let paid = payments
                .iter()
                .filter(|p| p.is_booked())
                .flat_map(|p| &p.shares)
                .filter(|(seq, _)| *seq == item.seq)
                .map(|(_, minor)| minor)
                .sum();
            InstallmentProgress {
                seq: item.seq,
                due_on: item.due_on,
                amount: item.amount,
                paid: gbp(paid),
            }
        })
        .collect();
    let assessment = lifecycle::assess(&progress, today, GRACE_DAYS, MISSED_TO_BREAK).ok()?;
    let mut plan = blank_plan(PlanKind::Installments, balance, created_on);
    plan.status = assessment.state.into();
    plan.missed = progress
        .iter()
        .map(|p| assessment.missed.contains(&p.seq))
        .collect();
    plan.agreed = true;
    plan.schedule = Some(schedule);
    Some(plan)
}

/// One installment paid: by card, by a saved card on the due date, or by bank transfer;
/// a card payment is sometimes declined first.
fn installment_payment(
    n: u64,
    position: usize,
    rng: &mut StdRng,
    on: NaiveDate,
    shares: Vec<(u32, i64)>,
) -> Vec<Payment> {
    let minor = shares.iter().map(|(_, m)| m).sum();
    let (purpose, provider) = match rng.gen_range(0..4) {
        0 | 1 => (PaymentPurpose::Installment, ProviderName::Stripe),
        2 => (PaymentPurpose::Autopay, ProviderName::Stripe),
        _ => (PaymentPurpose::Offline, ProviderName::Staff),
    };
    let mut paid = attempt(n, position, purpose, PaymentStatus::Succeeded, minor, on);
    paid.provider = provider;
    paid.shares = shares;
    if provider == ProviderName::Staff {
        paid.bank_reference = Some(format!("Bank transfer NW{n}-{position}"));
        return vec![paid];
    }
    if rng.gen_bool(0.08) {
        let mut declined = attempt(n, position, purpose, PaymentStatus::Failed, minor, on);
        declined.key.push_str("-declined");
        declined.failure = Some("Your card was declined. You have not been charged.");
        return vec![declined, paid];
    }
    vec![paid]
}

fn attempt(
    n: u64,
    position: usize,
    purpose: PaymentPurpose,
    status: PaymentStatus,
    minor: i64,
    on: NaiveDate,
) -> Payment {
    Payment {
        key: format!("gt-demo-{n}-{position}"),
        purpose,
        provider: ProviderName::Stripe,
        status,
        minor,
        bank_reference: None,
        on,
        failure: None,
        shares: Vec::new(),
    }
}

/// Without a plan: a part payment by bank transfer, a card payment later refunded, or one the
/// provider reported differently (flagged for the team).
fn loose_payments(n: u64, rng: &mut StdRng, story: &Story, today: NaiveDate) -> Vec<Payment> {
    let balance: i64 = story.charges.iter().map(|c| c.minor).sum();
    let on = (story.opened + days(rng.gen_range(40..=120))).min(today);
    let part = (balance / 4).max(1);
    match rng.gen_range(0..10) {
        0..=4 => {
            let mut paid = attempt(
                n,
                0,
                PaymentPurpose::Offline,
                PaymentStatus::Succeeded,
                part,
                on,
            );
            paid.provider = ProviderName::Staff;
            paid.bank_reference = Some(format!("Bank transfer NW{n}-0"));
            vec![paid]
        }
        5 | 6 => vec![attempt(
            n,
            0,
            PaymentPurpose::Extra,
            PaymentStatus::Refunded,
            part,
            on,
        )],
        7 => vec![attempt(
            n,
            0,
            PaymentPurpose::Full,
            PaymentStatus::Flagged,
            balance,
            on,
        )],
        _ => Vec::new(),
    }
}

/// Tries that did not (or not yet) take money: a checkout left unfinished, one under way
/// today, one saved but never sent.
fn stray_attempts(n: u64, rng: &mut StdRng, story: &Story, today: NaiveDate) -> Vec<Payment> {
    let position = story.payments.len() + 10;
    let balance: i64 = story.charges.iter().map(|c| c.minor).sum();
    let status = match rng.gen_range(0..100) {
        0..=9 => PaymentStatus::Expired,
        10..=13 => PaymentStatus::Pending,
        14..=16 => PaymentStatus::Created,
        _ => return Vec::new(),
    };
    let on = if status == PaymentStatus::Expired {
        (story.opened + days(35)).min(today)
    } else {
        today
    };
    vec![attempt(
        n,
        position,
        PaymentPurpose::Full,
        status,
        balance,
        on,
    )]
}
