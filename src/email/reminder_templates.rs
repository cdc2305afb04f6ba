//! The reminders the scheduler starts: a payment coming up, a payment missed, a plan
//! stopped, a pay-later date coming up or passed, a plan completed. Each is in the
//! creditor's name, greets the person by first name, gives the exact amount and date in the
//! body only, carries a single-use link to the right page and ends with how to change or
//! stop reminders. Subjects and first lines stay neutral: no debt, no amount.
use super::{Email, EmailContent};

/// The links every reminder carries, already absolute.
pub struct ReminderLinks {
    /// Single-use link to the page the reminder is about.
    pub continue_link: String,
    /// The account page: "tell us if things have changed".
    pub account_page: String,
    /// "Having trouble paying?": the hardship pages for this account (sign-in first).
    pub help_page: String,
    /// The contact preferences page.
    pub contact_page: String,
    /// One-click unsubscribe from reminders (works without signing in).
    pub unsubscribe: String,
}

/// What a reminder is about, with the facts its body states.
pub enum ReminderKind<'a> {
    /// An installment is due in a few days.
    Upcoming { amount: &'a str, date: &'a str },
    /// An installment was missed: `catch_up` is everything overdue on the plan.
    Missed {
        amount: &'a str,
        date: &'a str,
        catch_up: &'a str,
    },
    /// Too many payments were missed and the plan stopped; paying `catch_up` restarts it.
    PlanBroken { catch_up: &'a str },
    /// The pay-later date is a few days away.
    LaterSoon { amount: &'a str, date: &'a str },
    /// The pay-later date has passed.
    LaterPassed { amount: &'a str, date: &'a str },
    /// Every payment was made.
    PlanCompleted,
}

/// Who it is to and from.
pub struct Addressed<'a> {
    pub first_name: &'a str,
    pub creditor: &'a str,
    pub links: &'a ReminderLinks,
}

pub fn reminder(to: Addressed<'_>, kind: ReminderKind<'_>) -> Result<EmailContent, askama::Error> {
    let body = |continue_label, amount, date, catch_up| Body {
        first_name: to.first_name,
        creditor: to.creditor,
        links: to.links,
        continue_label,
        amount,
        date,
        catch_up,
    };
    match kind {
        ReminderKind::Upcoming { amount, date } => {
            Upcoming(body("See your plan and pay", amount, date, "")).content()
        }
        ReminderKind::Missed {
            amount,
            date,
            catch_up,
        } => Missed(body("Catch up on your plan", amount, date, catch_up)).content(),
        ReminderKind::PlanBroken { catch_up } => {
            PlanBroken(body("Restart your plan", "", "", catch_up)).content()
        }
        ReminderKind::LaterSoon { amount, date } => {
            LaterSoon(body("See ways to pay", amount, date, "")).content()
        }
        ReminderKind::LaterPassed { amount, date } => {
            LaterPassed(body("See ways to pay", amount, date, "")).content()
        }
        ReminderKind::PlanCompleted => {
            PlanCompleted(body("See your account", "", "", "")).content()
        }
    }
}

/// What every reminder's templates may show; a kind leaves the facts it does not state
/// empty.
struct Body<'a> {
    first_name: &'a str,
    creditor: &'a str,
    links: &'a ReminderLinks,
    continue_label: &'a str,
    amount: &'a str,
    date: &'a str,
    catch_up: &'a str,
}

/// One reminder email: a [`Body`] with its own templates and subject.
macro_rules! reminder_email {
    ($name:ident, $template:literal, text = $text:literal, html = $html:literal, $subject:literal) => {
        struct $name<'a>(Body<'a>);

        impl<'a> std::ops::Deref for $name<'a> {
            type Target = Body<'a>;
            fn deref(&self) -> &Body<'a> {
                &self.0
            }
        }

        email_bodies!($name<'a>, text = $text, html = $html);

        impl Email for $name<'_> {
            const TEMPLATE: &'static str = $template;

            fn subject(&self) -> &'static str {
                $subject
            }
        }
    };
}

reminder_email!(
    Upcoming,
    "reminder_upcoming",
    text = "emails/reminder_upcoming.txt",
    html = "emails/reminder_upcoming.html",
    "Your plan: a payment is coming up"
);
reminder_email!(
    Missed,
    "reminder_missed",
    text = "emails/reminder_missed.txt",
    html = "emails/reminder_missed.html",
    "Your plan: a quick check-in"
);
reminder_email!(
    PlanBroken,
    "reminder_plan_broken",
    text = "emails/reminder_plan_broken.txt",
    html = "emails/reminder_plan_broken.html",
    "An update about your plan"
);
reminder_email!(
    LaterSoon,
    "reminder_later_soon",
    text = "emails/reminder_later_soon.txt",
    html = "emails/reminder_later_soon.html",
    "Your payment date is coming up"
);
reminder_email!(
    LaterPassed,
    "reminder_later_passed",
    text = "emails/reminder_later_passed.txt",
    html = "emails/reminder_later_passed.html",
    "About your payment date"
);
reminder_email!(
    PlanCompleted,
    "reminder_plan_completed",
    text = "emails/reminder_plan_completed.txt",
    html = "emails/reminder_plan_completed.html",
    "Your plan is complete"
);

#[cfg(test)]
mod tests {
    use super::*;

    fn links() -> ReminderLinks {
        ReminderLinks {
            continue_link: "https://portal.example/go/TOKEN".into(),
            account_page: "https://portal.example/account".into(),
            help_page: "https://portal.example/account/7/help".into(),
            contact_page: "https://portal.example/account/contact".into(),
            unsubscribe: "https://portal.example/unsubscribe/7/SIG".into(),
        }
    }

    fn every_kind() -> Vec<ReminderKind<'static>> {
        let (amount, date) = ("£213.00", "Friday 12 December 2025");
        vec![
            ReminderKind::Upcoming { amount, date },
            ReminderKind::Missed {
                amount,
                date,
                catch_up: "£426.00",
            },
            ReminderKind::PlanBroken {
                catch_up: "£426.00",
            },
            ReminderKind::LaterSoon { amount, date },
            ReminderKind::LaterPassed { amount, date },
            ReminderKind::PlanCompleted,
        ]
    }

    #[test]
    fn subjects_and_first_lines_reveal_nothing_and_bodies_say_everything() {
        let links = links();
        for kind in every_kind() {
            let needs_amount = !matches!(kind, ReminderKind::PlanCompleted);
            let needs_advice = matches!(
                kind,
                ReminderKind::Missed { .. }
                    | ReminderKind::PlanBroken { .. }
                    | ReminderKind::LaterPassed { .. }
            );
            let to = Addressed {
                first_name: "Alex",
                creditor: "Northwind Utilities",
                links: &links,
            };
            let email = reminder(to, kind).unwrap();
            let subject = email.subject.to_lowercase();
            assert!(!subject.contains("debt"), "{subject}");
            assert!(!subject.contains('£') && !subject.chars().any(|c| c.is_ascii_digit()));
            assert_eq!(email.text.lines().next(), Some("Hello Alex,"));
            for body in [&email.text, &email.html] {
                assert!(body.contains("Northwind Utilities"), "{body}");
                assert!(body.contains("https://portal.example/go/TOKEN"));
                assert!(body.contains("https://portal.example/account/contact"));
                assert!(body.contains("https://portal.example/unsubscribe/7/SIG"));
                assert_eq!(body.contains("£"), needs_amount, "{}", email.template);
                assert_eq!(body.contains("debt advice"), needs_advice);
                if needs_advice {
                    assert!(body.contains("Tell us if things have changed"));
                }
            }
        }
    }
}
