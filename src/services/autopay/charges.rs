//! The automatic payments pass: for each active mandate on an active plan, a reminder 3 days
//! before each payment, the charge on the due date, one retry 3 days after a decline, and an
//! email with a pay-by-hand link when that fails too. Every step is a row with a unique key
//! (installment id, step) written before anything leaves the building, so running the pass
//! twice, or on two instances, never reminds or charges twice.
//!
//! A person with extra support in force gets no retry: after a first decline they are asked
//! to pay by hand at once (as everyone is after a second one).
//!
//! A charge goes through the provider that saved the card, never whichever one this instance
//! happens to run; it is never more than the account's balance, and never sooner than the
//! promised days after its notice.
use std::collections::HashMap;

use chrono::{DateTime, Duration, Utc};
use sea_orm::sea_query::Expr;
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, DatabaseConnection, DbErr, EntityTrait,
    QueryFilter, QueryOrder, Set, SqlErr,
};

use super::AutopayError;
use crate::crypto::random_token;
use crate::db::begin_write;
use crate::domain::autopay::{
    self, Charge, ChargeState, Done, Due, MandateStatus, NextStep, StepKind,
};
use crate::domain::payments::{PaymentPurpose, PaymentStatus};
use crate::domain::plans::PlanStatus;
use crate::domain::wording::full_date;
use crate::domain::{Money, MoneyError};
use crate::email::autopay_templates::{self, StopReason};
use crate::email::outbox;
use crate::email::templates::PaymentLine;
use crate::entities::{autopay_mandate, autopay_step, payment_attempt};
use crate::providers::{IntentStatus, PaymentEvent, PaymentProvider, ProviderError};
use crate::services::autopay::setup::{self, TEST_DECLINING_CARD};
use crate::services::care::support;
use crate::services::contact::deep_links;
use crate::services::payments::{self, reconcile::intent_event};
use crate::services::plans::choose::{self, AccountForPlan};
use crate::services::plans::records::{InstallmentView, PlanView};
use crate::services::staff::workspace;

/// What one pass did.
#[derive(Debug, Default, PartialEq, Eq)]
pub struct Report {
    pub mandates: usize,
    pub reminders: usize,
    pub charges: usize,
    pub succeeded: usize,
    pub failed: usize,
    pub retries: usize,
    pub pay_by_hand: usize,
    pub ended: usize,
    /// Active mandates skipped because the provider that saved their card is not configured
    /// here (admins see the count on the email problems page).
    pub provider_missing: usize,
}

/// Stripe forgets an idempotency key after 24 hours: a charge saved longer ago than this is
/// looked up before it is sent again.
const IDEMPOTENCY_KEY_LIFETIME_HOURS: i64 = 24;

/// One pass. `base_url` makes the pay-by-hand link absolute (never taken from a request).
pub async fn run(
    db: &DatabaseConnection,
    provider: &PaymentProvider,
    base_url: &str,
    now: DateTime<Utc>,
) -> Result<Report, AutopayError> {
    let mut report = Report::default();
    let mandates = autopay_mandate::Entity::find()
        .filter(autopay_mandate::Column::Status.eq(MandateStatus::Active))
        .order_by_asc(autopay_mandate::Column::Id)
        .all(db)
        .await?;
    for mandate in mandates {
        report.mandates += 1;
        if !provider.handles(mandate.provider) {
            tracing::warn!(
                mandate_id = mandate.id,
                provider = mandate.provider.as_str(),
                "autopay mandate skipped: its provider is not configured here"
            );
            report.provider_missing += 1;
            continue;
        }
        let pass = Pass {
            db,
            provider,
            base_url,
            now,
            mandate: &mandate,
            no_retry: false,
        };
        // One person's trouble must not stop everyone else's payments.
        if let Err(error) = pass.run(&mut report).await {
            tracing::warn!(mandate_id = mandate.id, error = %error, "autopay pass failed for a mandate");
        }
    }
    Ok(report)
}

/// The pass over one mandate.
struct Pass<'a> {
    db: &'a DatabaseConnection,
    provider: &'a PaymentProvider,
    base_url: &'a str,
    now: DateTime<Utc>,
    mandate: &'a autopay_mandate::Model,
    /// Extra support is in force for the person: a declined charge is not retried.
    no_retry: bool,
}

impl Pass<'_> {
    async fn quiet_hours_for_person(&self) -> Result<bool, AutopayError> {
        let zone = crate::entities::debtor::Entity::find_by_id(self.mandate.debtor_id)
            .one(self.db)
            .await?
            .and_then(|d| d.time_zone.parse::<chrono_tz::Tz>().ok())
            .unwrap_or(chrono_tz::Europe::London);
        Ok(crate::domain::contact::in_quiet_hours(self.now, &zone))
    }

    async fn run(&self, report: &mut Report) -> Result<(), AutopayError> {
        let m = self.mandate;
        let account = choose::account_for_plan(self.db, m.debtor_id, m.account_id).await?;
        let plan = account
            .as_ref()
            .and_then(|a| a.latest_plan.as_ref())
            .filter(|p| p.id == m.plan_id);
        let Some((account, plan)) = account.as_ref().zip(plan) else {
            return self.end(report).await;
        };
        match plan.status {
            PlanStatus::Active => {}
            // Stopped for missed payments: nothing is taken until the person catches up.
            PlanStatus::Broken => return Ok(()),
            _ => return self.end(report).await,
        }
        // A hold (staff's, a dispute, a breathing space) pauses collection while in force.
        if workspace::current_hold(self.db, m.account_id, self.now)
            .await?
            .is_some()
        {
            return Ok(());
        }
        // Charges, reminders and their emails wait for the person's daytime; the next pass
        // after 08:00 their time does them.
        if self.quiet_hours_for_person().await? {
            return Ok(());
        }
        let steps = self.steps().await?;
        let pass = Pass {
            no_retry: support::in_force(self.db, m.debtor_id).await?.is_some(),
            ..*self
        };
        let since = m.activated_at.unwrap_or(m.created_at).date_naive();
        for item in &plan.installments {
            let done = done_for(item.id, &steps);
            let due = Due {
                due_on: item.due_on,
                unpaid: left_on(item)?.is_positive(),
            };
            let step = match autopay::next_step(due, since, self.now.date_naive(), done) {
                // Support started after the first decline: no retry, pay by hand instead.
                NextStep::Retry if pass.no_retry => NextStep::GiveUp,
                step => step,
            };
            pass.act(step, account, plan, item, &steps, report).await?;
        }
        Ok(())
    }

    async fn end(&self, report: &mut Report) -> Result<(), AutopayError> {
        if setup::end_with_plan(self.db, self.mandate.id, self.now).await? {
            report.ended += 1;
        }
        Ok(())
    }

    /// Every step taken on this plan, with the status of its payment attempt.
    async fn steps(&self) -> Result<Vec<(autopay_step::Model, Option<PaymentStatus>)>, DbErr> {
        let steps = autopay_step::Entity::find()
            .filter(autopay_step::Column::PlanId.eq(self.mandate.plan_id))
            .all(self.db)
            .await?;
        let ids: Vec<i32> = steps.iter().filter_map(|s| s.attempt_id).collect();
        let statuses: HashMap<i32, PaymentStatus> = payment_attempt::Entity::find()
            .filter(payment_attempt::Column::Id.is_in(ids))
            .all(self.db)
            .await?
            .into_iter()
            .map(|a| (a.id, a.status))
            .collect();
        Ok(steps
            .into_iter()
            .map(|s| {
                let status = s.attempt_id.and_then(|id| statuses.get(&id).copied());
                (s, status)
            })
            .collect())
    }

    async fn act(
        &self,
        step: NextStep,
        account: &AccountForPlan,
        plan: &PlanView,
        item: &InstallmentView,
        steps: &[(autopay_step::Model, Option<PaymentStatus>)],
        report: &mut Report,
    ) -> Result<(), AutopayError> {
        let Some(amount) = to_charge(item, account)? else {
            return Ok(());
        };
        let line = PaymentLine {
            date: full_date(item.due_on),
            amount: amount.to_string(),
        };
        match step {
            NextStep::Nothing => {}
            NextStep::Remind => {
                // Late (after downtime), the notice names the day the charge has moved to.
                let on = autopay::charge_on(item.due_on, self.now.date_naive());
                let notice = PaymentLine {
                    date: full_date(on),
                    ..line
                };
                let content = autopay_templates::reminder(&account.creditor_name, &notice)?;
                if self
                    .record_with_email(item.id, StepKind::Reminder, content)
                    .await?
                {
                    report.reminders += 1;
                }
            }
            NextStep::Charge | NextStep::Retry => {
                let kind = if step == NextStep::Retry {
                    StepKind::Retry
                } else {
                    StepKind::Charge
                };
                let Some(attempt) = self.save_charge(account, plan, item, amount, kind).await?
                else {
                    return Ok(());
                };
                report.charges += 1;
                if kind == StepKind::Retry {
                    report.retries += 1;
                }
                self.charge(&attempt, kind, account, &line, report).await?;
            }
            NextStep::Resend { retry } => {
                let kind = if retry {
                    StepKind::Retry
                } else {
                    StepKind::Charge
                };
                let attempt_id = steps
                    .iter()
                    .find(|(s, _)| s.installment_id == Some(item.id) && s.step == kind)
                    .and_then(|(s, _)| s.attempt_id);
                if let Some(attempt) = self.created_attempt(attempt_id).await? {
                    self.resend(&attempt, kind, account, &line, report).await?;
                }
            }
            NextStep::GiveUp => {
                let retried = steps
                    .iter()
                    .any(|(s, _)| s.installment_id == Some(item.id) && s.step == StepKind::Retry);
                let reason = if retried {
                    StopReason::DidNotGoThrough
                } else {
                    StopReason::NotRetried
                };
                self.give_up(item.id, account, &line, reason, report)
                    .await?;
            }
        }
        Ok(())
    }

    /// Writes a step row and its email in one transaction; false when the step was already
    /// taken (the unique key said no).
    async fn record_with_email(
        &self,
        installment_id: i32,
        kind: StepKind,
        content: crate::email::EmailContent,
    ) -> Result<bool, AutopayError> {
        let txn = begin_write(self.db).await?;
        if !insert_step(&txn, self.mandate, installment_id, kind, None, self.now).await? {
            return Ok(false);
        }
        outbox::enqueue_to_debtor(&txn, self.mandate.debtor_id, content, self.now).await?;
        txn.commit().await?;
        Ok(true)
    }

    /// Saves the attempt (with its idempotency key) and the step naming it, together, before
    /// the provider hears of it. `None` when another pass took this step first.
    async fn save_charge(
        &self,
        account: &AccountForPlan,
        plan: &PlanView,
        item: &InstallmentView,
        amount: Money,
        kind: StepKind,
    ) -> Result<Option<payment_attempt::Model>, AutopayError> {
        let txn = begin_write(self.db).await?;
        let attempt = payment_attempt::ActiveModel {
            account_id: Set(account.account_id),
            creditor_id: Set(account.creditor_id),
            debtor_id: Set(account.debtor_id),
            plan_id: Set(Some(plan.id)),
            purpose: Set(PaymentPurpose::Autopay),
            amount_minor: Set(amount.to_minor()?),
            currency: Set(amount.currency().code().to_string()),
            discount_minor: Set(0),
            provider: Set(self.mandate.provider),
            idempotency_key: Set(format!("gt-auto-{}", &random_token()[..32])),
            status: Set(PaymentStatus::Created),
            refunded_minor: Set(0),
            created_at: Set(self.now),
            updated_at: Set(self.now),
            ..Default::default()
        }
        .insert(&txn)
        .await?;
        if !insert_step(
            &txn,
            self.mandate,
            item.id,
            kind,
            Some(attempt.id),
            self.now,
        )
        .await?
        {
            return Ok(None);
        }
        txn.commit().await?;
        Ok(Some(attempt))
    }

    async fn created_attempt(
        &self,
        attempt_id: Option<i32>,
    ) -> Result<Option<payment_attempt::Model>, DbErr> {
        let Some(id) = attempt_id else {
            return Ok(None);
        };
        payment_attempt::Entity::find_by_id(id)
            .filter(payment_attempt::Column::Status.eq(PaymentStatus::Created))
            .one(self.db)
            .await
    }

    /// Sends a saved charge again. Within a day its idempotency key makes that safe; later,
    /// Stripe has forgotten the key, so it is asked first whether the first send got through.
    async fn resend(
        &self,
        attempt: &payment_attempt::Model,
        kind: StepKind,
        account: &AccountForPlan,
        line: &PaymentLine,
        report: &mut Report,
    ) -> Result<(), AutopayError> {
        if self.now - attempt.created_at > Duration::hours(IDEMPOTENCY_KEY_LIFETIME_HOURS) {
            match self.earlier_intent(attempt).await {
                Ok(Some(found)) => return self.settle_found(attempt, found, report).await,
                Ok(None) => {}
                Err(error) => {
                    // Unknown: sending now could charge twice, so the next pass asks again.
                    tracing::warn!(attempt_id = attempt.id, error = %error, "could not check an old autopay charge");
                    return Ok(());
                }
            }
        }
        self.charge(attempt, kind, account, line, report).await
    }

    /// The PaymentIntent the provider made for this attempt, if the first send got through.
    async fn earlier_intent(
        &self,
        attempt: &payment_attempt::Model,
    ) -> Result<Option<IntentStatus>, ProviderError> {
        let (PaymentProvider::Stripe(stripe), Some(customer)) =
            (self.provider, self.mandate.customer_ref.as_deref())
        else {
            // Offline charges are decided the moment they are sent: nothing to look up.
            return Ok(None);
        };
        // A minute's slack for clocks that disagree.
        let since = attempt.created_at.timestamp() - 60;
        stripe.intent_for_attempt(attempt.id, customer, since).await
    }

    /// Records a charge the provider already had, as if its answer had just come back.
    async fn settle_found(
        &self,
        attempt: &payment_attempt::Model,
        found: IntentStatus,
        report: &mut Report,
    ) -> Result<(), AutopayError> {
        let intent_id = match &found {
            IntentStatus::Processing { intent_id }
            | IntentStatus::Succeeded { intent_id, .. }
            | IntentStatus::Failed { intent_id, .. } => intent_id.clone(),
        };
        self.record_sent(attempt, &intent_id).await?;
        let succeeded = matches!(found, IntentStatus::Succeeded { .. });
        if let Some(event) = intent_event(attempt.id, found, "lookup") {
            payments::events::handle_event(self.db, &event, self.base_url, self.now).await?;
            if succeeded {
                report.succeeded += 1;
            } else {
                report.failed += 1;
            }
        }
        Ok(())
    }

    /// Asks the provider to take the money and records what it said.
    async fn charge(
        &self,
        attempt: &payment_attempt::Model,
        kind: StepKind,
        account: &AccountForPlan,
        line: &PaymentLine,
        report: &mut Report,
    ) -> Result<(), AutopayError> {
        let installment_id = self.installment_of(attempt.id).await?;
        match self.send_charge(attempt).await {
            Ok(intent_id) => self.accepted(attempt, &intent_id, report).await,
            // Unknown outcome (or Stripe not reached at all): the attempt stays created and
            // the next pass sends it again with the same idempotency key, so it is never
            // taken twice.
            Err(ProviderError::Unavailable(reason) | ProviderError::Unreachable(reason)) => {
                tracing::warn!(attempt_id = attempt.id, %reason, "autopay charge outcome unknown");
                Ok(())
            }
            Err(ProviderError::ActionRequired) => {
                report.failed += 1;
                self.fail(attempt, NEEDS_YOU_MESSAGE).await?;
                self.give_up(
                    installment_id,
                    account,
                    line,
                    StopReason::BankNeedsYou,
                    report,
                )
                .await
            }
            Err(error) => {
                tracing::info!(attempt_id = attempt.id, error = %error, "autopay charge declined");
                report.failed += 1;
                self.fail(attempt, DECLINED_MESSAGE).await?;
                if kind == StepKind::Retry || self.no_retry {
                    let reason = if kind == StepKind::Retry {
                        StopReason::DidNotGoThrough
                    } else {
                        StopReason::NotRetried
                    };
                    self.give_up(installment_id, account, line, reason, report)
                        .await?;
                }
                Ok(())
            }
        }
    }

    async fn installment_of(&self, attempt_id: i32) -> Result<i32, DbErr> {
        let step = autopay_step::Entity::find()
            .filter(autopay_step::Column::AttemptId.eq(attempt_id))
            .one(self.db)
            .await?;
        Ok(step.and_then(|s| s.installment_id).unwrap_or(0))
    }

    async fn send_charge(&self, attempt: &payment_attempt::Model) -> Result<String, ProviderError> {
        let m = self.mandate;
        let customer = m.customer_ref.as_deref().unwrap_or_default();
        let payment_method = m.payment_method_ref.as_deref().unwrap_or_default();
        match self.provider {
            PaymentProvider::Stripe(stripe) => {
                stripe
                    .charge_off_session(
                        attempt.id,
                        &attempt.idempotency_key,
                        attempt.amount_minor,
                        &attempt.currency,
                        customer,
                        payment_method,
                    )
                    .await
            }
            // The offline test card succeeds unless the person saved the declining one.
            PaymentProvider::Offline(_) if payment_method == TEST_DECLINING_CARD => Err(
                ProviderError::Declined("Your card was declined (test)".to_string()),
            ),
            PaymentProvider::Offline(_) => Ok(format!("offline_pi_{}", attempt.id)),
            // `run` skips mandates whose provider is not configured; this is a safety net.
            PaymentProvider::NotConfigured => Err(ProviderError::Unavailable(
                "no payment provider configured".to_string(),
            )),
        }
    }

    /// The provider took the charge. Offline, the money is there now: the event is processed
    /// at once. With Stripe, `payment_intent.succeeded` brings the final word by webhook.
    async fn accepted(
        &self,
        attempt: &payment_attempt::Model,
        intent_id: &str,
        report: &mut Report,
    ) -> Result<(), AutopayError> {
        self.record_sent(attempt, intent_id).await?;
        if self.provider.is_offline() {
            let event = PaymentEvent::IntentSucceeded {
                event_id: format!("offline_autopay_{}", attempt.id),
                attempt_id: attempt.id,
                intent_id: intent_id.to_string(),
                amount_minor: attempt.amount_minor,
                currency: attempt.currency.clone(),
            };
            payments::events::handle_event(self.db, &event, self.base_url, self.now).await?;
            report.succeeded += 1;
        }
        Ok(())
    }

    /// The provider has the charge: its PaymentIntent id goes on the attempt (where webhooks
    /// are matched and reconciliation looks) and the attempt waits for the final word.
    async fn record_sent(
        &self,
        attempt: &payment_attempt::Model,
        intent_id: &str,
    ) -> Result<(), DbErr> {
        autopay_step::Entity::update_many()
            .col_expr(
                autopay_step::Column::ProviderRef,
                Expr::value(Some(intent_id.to_string())),
            )
            .filter(autopay_step::Column::AttemptId.eq(attempt.id))
            .exec(self.db)
            .await?;
        let sent = Moved {
            to: PaymentStatus::Pending,
            provider_ref: Some(intent_id),
            message: None,
        };
        move_attempt(self.db, attempt.id, sent, self.now).await
    }

    async fn fail(&self, attempt: &payment_attempt::Model, message: &str) -> Result<(), DbErr> {
        let failed = Moved {
            to: PaymentStatus::Failed,
            provider_ref: None,
            message: Some(message),
        };
        move_attempt(self.db, attempt.id, failed, self.now).await
    }

    async fn give_up(
        &self,
        installment_id: i32,
        account: &AccountForPlan,
        line: &PaymentLine,
        reason: StopReason,
        report: &mut Report,
    ) -> Result<(), AutopayError> {
        let txn = begin_write(self.db).await?;
        let kind = StepKind::GaveUp;
        if !insert_step(&txn, self.mandate, installment_id, kind, None, self.now).await? {
            return Ok(());
        }
        // A link that signs the person in and opens the payment page itself, made in the
        // same transaction as the step so a step taken twice makes no second link.
        let pay_page = format!("/account/{}/pay", account.account_id);
        let debtor_id = self.mandate.debtor_id;
        let link = deep_links::create(&txn, self.base_url, debtor_id, &pay_page, self.now).await?;
        let content = autopay_templates::pay_by_hand(&account.creditor_name, line, reason, &link)?;
        outbox::enqueue_to_debtor(&txn, debtor_id, content, self.now).await?;
        txn.commit().await?;
        report.pay_by_hand += 1;
        Ok(())
    }
}

const DECLINED_MESSAGE: &str =
    "The automatic payment did not go through, so nothing was taken. You can pay by hand instead.";
const NEEDS_YOU_MESSAGE: &str = "Your bank asked you to confirm this automatic payment, so nothing was taken. Please pay by hand instead.";

fn left_on(item: &InstallmentView) -> Result<Money, MoneyError> {
    item.amount.checked_sub(&item.paid)
}

/// What a charge for this installment may take: what is left on it, but never more than the
/// account's balance (a payment made another way may already cover part of it). `None` when
/// nothing is owed.
fn to_charge(
    item: &InstallmentView,
    account: &AccountForPlan,
) -> Result<Option<Money>, MoneyError> {
    let left = left_on(item)?;
    let owed = if account.balance.checked_sub(&left)?.is_negative() {
        account.balance
    } else {
        left
    };
    Ok(owed.is_positive().then_some(owed))
}

/// What has been done for one installment, read from the step rows and their attempts.
fn done_for(installment_id: i32, steps: &[(autopay_step::Model, Option<PaymentStatus>)]) -> Done {
    let find = |kind: StepKind| {
        steps
            .iter()
            .find(|(s, _)| s.installment_id == Some(installment_id) && s.step == kind)
    };
    let charge = |kind: StepKind| {
        find(kind).map(|(s, status)| Charge {
            on: s.created_at.date_naive(),
            state: ChargeState::from(*status),
        })
    };
    Done {
        reminded_on: find(StepKind::Reminder).map(|(s, _)| s.created_at.date_naive()),
        first: charge(StepKind::Charge),
        retry: charge(StepKind::Retry),
        gave_up: find(StepKind::GaveUp).is_some(),
    }
}

/// Inserts a step; false when this installment already has it.
async fn insert_step<C: ConnectionTrait>(
    conn: &C,
    mandate: &autopay_mandate::Model,
    installment_id: i32,
    kind: StepKind,
    attempt_id: Option<i32>,
    now: DateTime<Utc>,
) -> Result<bool, DbErr> {
    let row = autopay_step::ActiveModel {
        mandate_id: Set(mandate.id),
        plan_id: Set(mandate.plan_id),
        installment_id: Set(Some(installment_id)),
        step: Set(kind),
        attempt_id: Set(attempt_id),
        created_at: Set(now),
        ..Default::default()
    };
    match autopay_step::Entity::insert(row)
        .exec_without_returning(conn)
        .await
    {
        Ok(_) => Ok(true),
        Err(e) if matches!(e.sql_err(), Some(SqlErr::UniqueConstraintViolation(_))) => Ok(false),
        Err(e) => Err(e),
    }
}

/// Where an autopay attempt moves, with what the provider said.
struct Moved<'a> {
    to: PaymentStatus,
    provider_ref: Option<&'a str>,
    message: Option<&'a str>,
}

/// Moves an autopay attempt on from created only: a webhook that already decided it wins.
async fn move_attempt(
    db: &DatabaseConnection,
    attempt_id: i32,
    moved: Moved<'_>,
    now: DateTime<Utc>,
) -> Result<(), DbErr> {
    let mut update = payment_attempt::Entity::update_many()
        .col_expr(payment_attempt::Column::Status, Expr::value(moved.to))
        .col_expr(payment_attempt::Column::UpdatedAt, Expr::value(now));
    if let Some(reference) = moved.provider_ref {
        update = update.col_expr(
            payment_attempt::Column::ProviderRef,
            Expr::value(Some(reference)),
        );
    }
    if let Some(message) = moved.message {
        update = update.col_expr(
            payment_attempt::Column::FailureMessage,
            Expr::value(Some(message)),
        );
    }
    update
        .filter(payment_attempt::Column::Id.eq(attempt_id))
        .filter(payment_attempt::Column::Status.eq(PaymentStatus::Created))
        .exec(db)
        .await?;
    Ok(())
}
