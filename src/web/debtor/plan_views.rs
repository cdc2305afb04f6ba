//! What the plan pages show, already in words and figures.
use crate::domain::plans::{PlanKind, PlanStatus};
use crate::domain::schedule::Schedule;
use crate::domain::wording::{full_date, local_time};
use crate::services::plans::records::PlanView;

pub struct ScheduleLine {
    pub seq: u32,
    pub date: String,
    pub amount: String,
    pub paid: String,
    pub state: &'static str,
}

/// "Every month" for a radio label, from "every month" used mid-sentence.
pub fn sentence_case(text: &str) -> String {
    let mut chars = text.chars();
    chars
        .next()
        .map(|first| first.to_uppercase().chain(chars).collect())
        .unwrap_or_default()
}

/// The key facts of a schedule for "check your answers" and the plan page.
pub struct ScheduleSummary {
    pub how_often: String,
    pub count: u32,
    pub regular: String,
    pub last: Option<String>,
    pub first_date: String,
    pub last_date: String,
    pub total: String,
    pub lines: Vec<ScheduleLine>,
}

impl ScheduleSummary {
    pub fn of(schedule: &Schedule) -> Self {
        let regular = schedule.regular_amount();
        let last = schedule.final_amount();
        Self {
            how_often: sentence_case(schedule.frequency().label()),
            count: schedule.count(),
            regular: regular.to_string(),
            last: (last != regular).then(|| last.to_string()),
            first_date: full_date(schedule.first_due()),
            last_date: full_date(schedule.last_due()),
            total: schedule.total().to_string(),
            lines: schedule
                .installments()
                .iter()
                .map(|i| ScheduleLine {
                    seq: i.seq,
                    date: full_date(i.due_on),
                    amount: i.amount.to_string(),
                    paid: String::new(),
                    state: "To pay",
                })
                .collect(),
        }
    }
}

/// What an unpaid payment is, by the plan's status: only a plan that is (or may become) in
/// place has payments "To pay"; a declined, cancelled or ended plan asks for nothing.
fn unpaid_label(status: PlanStatus) -> &'static str {
    match status {
        PlanStatus::Active | PlanStatus::Broken => "To pay",
        PlanStatus::Proposed | PlanStatus::Countered => "If agreed",
        PlanStatus::Declined => "Not agreed",
        PlanStatus::Cancelled => "Cancelled",
        PlanStatus::Completed | PlanStatus::Ended => "Not needed",
    }
}

/// A request's stored words are what the person asked for; after a counter-offer they are
/// no longer the terms on the table, and only accepting the new terms replaces them.
fn consent_heading(status: PlanStatus) -> &'static str {
    match status {
        PlanStatus::Proposed | PlanStatus::Declined => "What you asked for",
        PlanStatus::Countered => "What you first asked for",
        PlanStatus::Active
        | PlanStatus::Broken
        | PlanStatus::Completed
        | PlanStatus::Cancelled
        | PlanStatus::Ended => "What you agreed",
    }
}

/// A stored plan as the person sees it.
pub struct PlanPageView {
    pub status: PlanStatus,
    pub status_label: &'static str,
    pub is_deferral: bool,
    pub defer_until: Option<String>,
    pub total: String,
    pub paid: String,
    pub summary: Option<ScheduleSummary>,
    pub consent_text: Option<String>,
    /// Words the person agreed to are only "What you agreed" once they are the plan's terms.
    pub consent_heading: &'static str,
    /// "Agreed on" or, for words only asked for, "Sent on".
    pub consent_at_label: &'static str,
    pub consent_at: Option<String>,
    pub decision_reason: Option<String>,
    pub note: Option<String>,
}

impl PlanPageView {
    /// `zone` is the person's time zone, for when they agreed.
    pub fn of(plan: &PlanView, zone: &str) -> Self {
        let mut summary = plan.schedule().as_ref().map(ScheduleSummary::of);
        if let Some(summary) = summary.as_mut() {
            for (line, stored) in summary.lines.iter_mut().zip(&plan.installments) {
                line.paid = stored.paid.to_string();
                line.state = if stored.paid.amount() >= stored.amount.amount() {
                    "Paid"
                } else if stored.missed {
                    "Missed"
                } else {
                    unpaid_label(plan.status)
                };
            }
        }
        Self {
            status: plan.status,
            status_label: plan.status.label(),
            is_deferral: plan.kind == PlanKind::Deferral,
            defer_until: plan.defer_until.map(full_date),
            total: plan.total.to_string(),
            paid: plan.paid().to_string(),
            summary,
            consent_text: plan.consent_text.clone(),
            consent_heading: consent_heading(plan.status),
            consent_at_label: if plan.status.is_request() || plan.status.is_declined() {
                "Sent on"
            } else {
                "Agreed on"
            },
            consent_at: plan.consent_at.map(|t| local_time(t, zone)),
            decision_reason: plan.decision_reason.clone(),
            note: plan.debtor_note.clone(),
        }
    }
}
