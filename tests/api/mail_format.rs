//! Every email the app sends, rendered by its own template, queued the way the app queues it
//! and received by a real SMTP server on loopback: valid MIME with a text and an HTML part,
//! the creditor's name in From for mail to a debtor, the one-click unsubscribe headers on
//! reminders (and only there), and subjects that give nothing away to someone reading over a
//! shoulder.
use std::collections::{BTreeSet, HashMap};

use chrono::{DateTime, Duration, NaiveDate, Utc};
use goodterms::domain::outbox::MessageCategory;
use goodterms::domain::schedule::{self, Frequency, PlanSize};
use goodterms::domain::{Currency, Money};
use goodterms::email::EmailContent;
use goodterms::email::autopay_templates::{self, StopReason};
use goodterms::email::dispute_templates;
use goodterms::email::outbox::{self, Reminder};
use goodterms::email::reminder_templates::{self, Addressed, ReminderKind, ReminderLinks};
use goodterms::email::staff_templates;
use goodterms::email::templates::{self, DecisionNotice, PaymentLine};
use goodterms::entities::{account, debtor, outbox_message};
use goodterms::services::contact::unsubscribe;
use mail_parser::{Message, MimeHeaders};
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter};

use crate::helpers::{TestApp, spawn_app_with};
use crate::smtp::{ReceivedMessage, SmtpSink};

const CREDITOR: &str = "Northwind Utilities";
const ALEX: &str = "alex.morgan@example.com";
const NO_REPLY: &str = "no-reply@goodterms.example";

/// How the app queues a message, which decides its From name and its headers.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Route {
    /// To a debtor, something they did or asked for.
    AskedFor,
    /// To a debtor, a reminder the scheduler starts.
    Reminder,
    /// To a member of staff.
    Staff,
}

struct Case {
    name: &'static str,
    route: Route,
    content: EmailContent,
}

fn case(name: &'static str, route: Route, content: Result<EmailContent, askama::Error>) -> Case {
    Case {
        name,
        route,
        content: content.unwrap_or_else(|e| panic!("{name} renders: {e}")),
    }
}

fn gbp(amount: &str) -> Money {
    Money::parse(amount, Currency::GBP).expect("an amount")
}

fn date(y: i32, m: u32, d: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(y, m, d).expect("a date")
}

fn payment() -> PaymentLine {
    PaymentLine {
        date: "Friday 12 June 2026".into(),
        amount: "£42.50".into(),
    }
}

/// Every email template, each in every form the app sends it. A new template fails
/// `every_template_is_covered` until it is added here.
fn every_email() -> Vec<Case> {
    use Route::*;
    let plan = schedule::build(
        gbp("100.00"),
        Frequency::Monthly,
        PlanSize::NumberOfPayments(3),
        date(2026, 1, 31),
    )
    .expect("a schedule");
    let lines = [payment()];
    let link = "https://goodterms.example/account/7/pay";
    vec![
        case(
            "sign-in link",
            AskedFor,
            templates::sign_in_link("https://goodterms.example/signin/link/t", 15),
        ),
        case(
            "plan confirmation",
            AskedFor,
            templates::plan_confirmation(CREDITOR, &plan, link),
        ),
        case(
            "pay later",
            AskedFor,
            templates::deferral_confirmation(CREDITOR, gbp("250.00"), date(2026, 7, 1), 3, link),
        ),
        case(
            "proposal received",
            AskedFor,
            templates::proposal_received(CREDITOR, link),
        ),
        case(
            "proposal approved",
            AskedFor,
            templates::plan_update(CREDITOR, DecisionNotice::Approved(&plan), link),
        ),
        case(
            "proposal declined",
            AskedFor,
            templates::plan_update(CREDITOR, DecisionNotice::Declined("Too long"), link),
        ),
        case(
            "counter-offer",
            AskedFor,
            templates::plan_update(CREDITOR, DecisionNotice::Countered(&plan), link),
        ),
        case(
            "receipt",
            AskedFor,
            templates::payment_receipt(
                CREDITOR,
                gbp("42.50"),
                Some(gbp("5.00")),
                date(2026, 6, 12),
                &["£42.50 towards your payment due on Friday 12 June 2026".into()],
                gbp("57.50"),
                link,
            ),
        ),
        case(
            "plan changed",
            AskedFor,
            templates::plan_changed(CREDITOR, &plan, link),
        ),
        case(
            "payment failed",
            AskedFor,
            templates::payment_failed(CREDITOR, gbp("42.50"), link),
        ),
        case(
            "confirmation code",
            AskedFor,
            templates::confirmation_code("493021", 10),
        ),
        case(
            "automatic payments set up",
            AskedFor,
            autopay_templates::set_up(CREDITOR, &lines),
        ),
        case(
            "automatic payment coming up",
            AskedFor,
            autopay_templates::reminder(CREDITOR, &payment()),
        ),
        case(
            "automatic payment stopped",
            AskedFor,
            autopay_templates::pay_by_hand(CREDITOR, &payment(), StopReason::DidNotGoThrough, link),
        ),
        case(
            "automatic payment needs the bank",
            AskedFor,
            autopay_templates::pay_by_hand(CREDITOR, &payment(), StopReason::BankNeedsYou, link),
        ),
        // Queued by the scheduler as reminders, under the contact policy.
        reminder(
            "payment coming up",
            ReminderKind::Upcoming {
                amount: "£42.50",
                date: "Friday 12 June 2026",
            },
        ),
        reminder(
            "payment missed",
            ReminderKind::Missed {
                amount: "£42.50",
                date: "Friday 12 June 2026",
                catch_up: "£42.50",
            },
        ),
        reminder(
            "plan stopped",
            ReminderKind::PlanBroken {
                catch_up: "£85.00"
            },
        ),
        reminder(
            "pay-later date soon",
            ReminderKind::LaterSoon {
                amount: "£250.00",
                date: "Wednesday 1 July 2026",
            },
        ),
        reminder(
            "pay-later date passed",
            ReminderKind::LaterPassed {
                amount: "£250.00",
                date: "Wednesday 1 July 2026",
            },
        ),
        reminder("plan completed", ReminderKind::PlanCompleted),
        case(
            "staff invitation",
            Staff,
            staff_templates::set_password("https://goodterms.example/staff/password/t", 7, true),
        ),
        case(
            "staff password reset",
            Staff,
            staff_templates::set_password("https://goodterms.example/staff/password/t", 1, false),
        ),
        case(
            "new message",
            AskedFor,
            templates::new_message(CREDITOR, "https://goodterms.example/go/message"),
        ),
        case(
            "automatic payment not retried",
            AskedFor,
            autopay_templates::pay_by_hand(
                CREDITOR,
                &payment(),
                StopReason::NotRetried,
                "https://goodterms.example/go/pay",
            ),
        ),
        case(
            "dispute received",
            AskedFor,
            dispute_templates::dispute_received(CREDITOR, "NW-1001", link),
        ),
        case(
            "dispute answered",
            AskedFor,
            dispute_templates::dispute_answered(CREDITOR, "NW-1001", link),
        ),
        case(
            "breathing space ending",
            AskedFor,
            goodterms::email::care_templates::breathing_space_ending(
                CREDITOR,
                date(2026, 7, 1),
                link,
            ),
        ),
    ]
}

fn reminder(name: &'static str, kind: ReminderKind<'_>) -> Case {
    let links = ReminderLinks {
        continue_link: "https://goodterms.example/go/t".into(),
        account_page: "https://goodterms.example/account".into(),
        help_page: "https://goodterms.example/account/1/help".into(),
        contact_page: "https://goodterms.example/account/contact".into(),
        unsubscribe: "https://goodterms.example/unsubscribe/1/s".into(),
    };
    let to = Addressed {
        first_name: "Alex",
        creditor: CREDITOR,
        links: &links,
    };
    case(
        name,
        Route::Reminder,
        reminder_templates::reminder(to, kind),
    )
}

/// Monday 23 November 2026, 12:30 in London: inside the hours reminders may go.
fn monday_lunchtime() -> DateTime<Utc> {
    "2026-11-23T12:30:00Z".parse().expect("a time")
}

struct Sent {
    /// Every message the mail server received.
    received: Vec<ReceivedMessage>,
    unsubscribe_url: String,
    /// The outbox row behind each Message-ID.
    rows: HashMap<String, outbox_message::Model>,
    cases: HashMap<i32, Case>,
}

/// Queues every case the way the app would and delivers them all.
async fn send_every_email() -> Sent {
    let sink = SmtpSink::start().await;
    let url = sink.url();
    let app = spawn_app_with(|settings| settings.smtp_url = Some(url.into())).await;
    let now = monday_lunchtime();
    goodterms::services::demo::load(&app.db, &app.hasher, now - Duration::days(30))
        .await
        .expect("demo data");
    let (debtor_id, account_id) = alex(&app).await;
    let unsubscribe_url = unsubscribe::url(&app.hasher, &app.settings.base_url, debtor_id);
    let mut cases = HashMap::new();
    for (n, case) in every_email().into_iter().enumerate() {
        let content = case.content.clone();
        let id = match case.route {
            Route::AskedFor => outbox::enqueue_to_debtor(&app.db, debtor_id, content, now)
                .await
                .unwrap()
                .expect("queued"),
            Route::Staff => outbox::enqueue(&app.db, "staff@northwind.example", content, now)
                .await
                .unwrap(),
            Route::Reminder => {
                let reminder = Reminder {
                    debtor_id,
                    account_id,
                    key: format!("format:{n}"),
                    content,
                    unsubscribe_url: unsubscribe_url.clone(),
                    send_at: now,
                    stale_at: None,
                    category: MessageCategory::Reminder,
                };
                outbox::enqueue_reminder(&app.db, reminder, now)
                    .await
                    .unwrap()
                    .expect("queued")
            }
        };
        cases.insert(id, case);
    }
    // At most 3 reminders go to one person in 7 days: the rest wait a week each time.
    let mut sent = 0;
    for week in 0..3 {
        sent += app
            .deliver_outbox(now + Duration::days(7 * week))
            .await
            .sent;
    }
    assert_eq!(sent, cases.len());
    let rows = outbox_message::Entity::find()
        .all(&app.db)
        .await
        .unwrap()
        .into_iter()
        .map(|row| (row.message_id.clone(), row))
        .collect();
    Sent {
        received: sink.messages(),
        unsubscribe_url,
        rows,
        cases,
    }
}

async fn alex(app: &TestApp) -> (i32, i32) {
    let person = debtor::Entity::find()
        .filter(debtor::Column::Email.eq(ALEX))
        .one(&app.db)
        .await
        .unwrap()
        .expect("Alex");
    let account = account::Entity::find()
        .filter(account::Column::DebtorId.eq(person.id))
        .one(&app.db)
        .await
        .unwrap()
        .expect("Alex's account");
    (person.id, account.id)
}

impl Sent {
    /// Each received message with the case it was sent for.
    fn each(&self) -> Vec<(&Case, &outbox_message::Model, &ReceivedMessage)> {
        assert_eq!(
            self.received.len(),
            self.cases.len(),
            "one message per case"
        );
        self.received
            .iter()
            .map(|message| {
                let row = &self.rows[&message_id(message)];
                (&self.cases[&row.id], row, message)
            })
            .collect()
    }
}

/// The outbox's own id for a message, from its `Message-ID: <id@goodterms>`.
fn message_id(message: &ReceivedMessage) -> String {
    let parsed = message.parsed();
    let full = parsed.message_id().expect("a Message-ID");
    full.trim_end_matches("@goodterms").to_string()
}

fn header(email: &Message<'_>, name: &str) -> Option<String> {
    email.header_raw(name).map(|raw| raw.trim().to_string())
}

fn part_types(email: &Message<'_>) -> BTreeSet<String> {
    email
        .parts
        .iter()
        .skip(1)
        .filter_map(|part| part.content_type())
        .map(|t| format!("{}/{}", t.ctype(), t.subtype().unwrap_or_default()))
        .collect()
}

#[tokio::test]
async fn every_email_is_multipart_alternative_with_text_and_html() {
    let sent = send_every_email().await;
    for (case, _, message) in sent.each() {
        let email = message.parsed();
        let root = email.content_type().expect("a Content-Type");
        assert_eq!(
            (root.ctype(), root.subtype()),
            ("multipart", Some("alternative")),
            "{}",
            case.name
        );
        let types: Vec<String> = part_types(&email).into_iter().collect();
        assert_eq!(types, ["text/html", "text/plain"], "{}", case.name);
        let text = email.body_text(0).unwrap_or_default();
        let html = email.body_html(0).unwrap_or_default();
        assert!(!text.trim().is_empty(), "{}: a text body", case.name);
        assert!(
            html.contains("<html") || html.contains("<p"),
            "{}",
            case.name
        );
    }
}

#[tokio::test]
async fn mail_to_a_debtor_comes_in_the_creditors_name() {
    let sent = send_every_email().await;
    for (case, _, message) in sent.each() {
        let email = message.parsed();
        let from = email.from().and_then(|f| f.first()).expect("a From");
        let expected = match case.route {
            Route::Staff => "Good Terms",
            Route::AskedFor | Route::Reminder => "Northwind Utilities via Good Terms",
        };
        assert_eq!(from.name(), Some(expected), "{}", case.name);
        assert_eq!(from.address(), Some(NO_REPLY), "{}", case.name);
        assert_eq!(message.envelope_from, NO_REPLY);
    }
}

#[tokio::test]
async fn reminders_carry_one_click_unsubscribe_and_nothing_else_does() {
    let sent = send_every_email().await;
    let mut reminders = 0;
    for (case, row, message) in sent.each() {
        let email = message.parsed();
        let unsubscribe = header(&email, "List-Unsubscribe");
        let one_click = header(&email, "List-Unsubscribe-Post");
        if case.route == Route::Reminder {
            reminders += 1;
            assert_eq!(row.category, MessageCategory::Reminder);
            assert_eq!(
                unsubscribe,
                Some(format!("<{}>", sent.unsubscribe_url)),
                "{}",
                case.name
            );
            assert_eq!(one_click.as_deref(), Some("List-Unsubscribe=One-Click"));
        } else {
            assert_eq!((unsubscribe, one_click), (None, None), "{}", case.name);
        }
    }
    assert!(reminders > 0, "at least one reminder was checked");
}

#[tokio::test]
async fn no_subject_gives_away_an_amount_or_a_debt() {
    let sent = send_every_email().await;
    for (case, _, message) in sent.each() {
        let email = message.parsed();
        let subject = email.subject().expect("a subject");
        assert!(
            !subject
                .chars()
                .any(|c| c.is_ascii_digit() || "£$€¥".contains(c)),
            "{}: {subject}",
            case.name
        );
        assert!(
            !subject.to_lowercase().contains("debt"),
            "{}: {subject}",
            case.name
        );
    }
}

#[tokio::test]
async fn every_template_is_covered() {
    let folder = concat!(env!("CARGO_MANIFEST_DIR"), "/templates/emails");
    let templates: BTreeSet<String> = std::fs::read_dir(folder)
        .expect("the email templates")
        .filter_map(|entry| {
            let name = entry.ok()?.file_name().into_string().ok()?;
            // Partials (`_footer.txt`) are included by templates, never sent alone.
            if name.starts_with('_') {
                return None;
            }
            name.strip_suffix(".txt").map(str::to_string)
        })
        .collect();
    let sent = send_every_email().await;
    let covered: BTreeSet<String> = sent.rows.values().map(|row| row.template.clone()).collect();
    assert_eq!(
        covered, templates,
        "add every new email to every_email() in tests/api/mail_format.rs"
    );
}
