//! Every email, table-driven: a neutral subject, and the same key facts in the text and the
//! HTML body, since a person may read either one.
use chrono::NaiveDate;

use super::EmailContent;
use super::autopay_templates::{self, StopReason};
use super::staff_templates;
use super::templates::{self, DecisionNotice, PaymentLine};
use crate::domain::schedule::{self, Frequency, PlanSize, Schedule};
use crate::domain::{Currency, Money};

const CREDITOR: &str = "Northwind Utilities";
const LINK: &str = "https://goodterms.example/go/0123";

fn gbp(amount: &str) -> Money {
    Money::parse(amount, Currency::GBP).expect("an amount")
}

fn date(y: i32, m: u32, d: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(y, m, d).expect("a date")
}

/// £100.00 in 3 monthly payments from 31 January 2026: £33.33, £33.33, £33.34.
fn three_payments() -> Schedule {
    schedule::build(
        gbp("100.00"),
        Frequency::Monthly,
        PlanSize::NumberOfPayments(3),
        date(2026, 1, 31),
    )
    .expect("a schedule")
}

const SCHEDULE_FACTS: &[&str] = &[
    "Saturday 31 January 2026",
    "Saturday 28 February 2026",
    "Tuesday 31 March 2026",
    "£33.33",
    "£33.34",
    "£100.00",
];

fn next_payment() -> PaymentLine {
    PaymentLine {
        date: "Friday 12 June 2026".into(),
        amount: "£42.50".into(),
    }
}

struct Case {
    name: &'static str,
    email: EmailContent,
    subject: &'static str,
    facts: Vec<&'static str>,
}

fn case(
    name: &'static str,
    email: Result<EmailContent, askama::Error>,
    subject: &'static str,
    facts: &[&'static str],
) -> Case {
    Case {
        name,
        email: email.unwrap_or_else(|e| panic!("{name} renders: {e}")),
        subject,
        facts: facts.to_vec(),
    }
}

fn every_email() -> Vec<Case> {
    let schedule = three_payments();
    let payment = next_payment();
    let lines = [next_payment()];
    let mut schedule_and_creditor = SCHEDULE_FACTS.to_vec();
    schedule_and_creditor.push(CREDITOR);
    vec![
        case(
            "sign-in link",
            templates::sign_in_link("https://goodterms.example/signin/link/tok3n", 15),
            "Your sign-in link",
            &["https://goodterms.example/signin/link/tok3n", "15 minutes"],
        ),
        case(
            "plan confirmation",
            templates::plan_confirmation(CREDITOR, &schedule, LINK),
            "Your payment plan is set up",
            &schedule_and_creditor,
        ),
        case(
            "pay later",
            templates::deferral_confirmation(CREDITOR, gbp("250.00"), date(2026, 7, 1), 3, LINK),
            "Your new payment date is set",
            &[
                CREDITOR,
                "£250.00",
                "Wednesday 1 July 2026",
                "one reminder 3 days before that date, and one more if the date passes",
            ],
        ),
        case(
            "proposal received",
            templates::proposal_received(CREDITOR, LINK),
            "We have your payment plan request",
            &[CREDITOR, "2 working days"],
        ),
        case(
            "proposal approved",
            templates::plan_update(CREDITOR, DecisionNotice::Approved(&schedule), LINK),
            "Your payment plan is agreed",
            &schedule_and_creditor,
        ),
        case(
            "proposal declined",
            templates::plan_update(
                CREDITOR,
                DecisionNotice::Declined("We need a first payment of at least £50"),
                LINK,
            ),
            "About the payment plan you asked for",
            &[
                CREDITOR,
                "could not agree",
                "We need a first payment of at least £50",
                "what you can do next",
            ],
        ),
        case(
            "counter-offer",
            templates::plan_update(CREDITOR, DecisionNotice::Countered(&schedule), LINK),
            "A new offer for your payment plan",
            &schedule_and_creditor,
        ),
        case(
            "plan changed",
            templates::plan_changed(CREDITOR, &schedule, LINK),
            "Your payment plan is updated",
            &schedule_and_creditor,
        ),
        case(
            "payment failed",
            templates::payment_failed(CREDITOR, gbp("42.50"), "https://goodterms.example/go/t0ken"),
            "Your payment did not go through",
            &[
                CREDITOR,
                "£42.50",
                "nothing was taken",
                "https://goodterms.example/go/t0ken",
            ],
        ),
        case(
            "receipt",
            templates::payment_receipt(
                CREDITOR,
                gbp("42.50"),
                Some(gbp("5.00")),
                date(2026, 6, 12),
                &["£42.50 towards your payment due on Friday 12 June 2026".to_string()],
                gbp("57.50"),
                "https://goodterms.example/go/r3ceipt",
            ),
            "Your receipt",
            &[
                CREDITOR,
                "£42.50",
                "£5.00",
                "Friday 12 June 2026",
                "£42.50 towards your payment due on Friday 12 June 2026",
                "£57.50",
                "https://goodterms.example/go/r3ceipt",
            ],
        ),
        case(
            "receipt, paid in full",
            templates::payment_receipt(
                CREDITOR,
                gbp("57.50"),
                None,
                date(2026, 7, 12),
                &["£57.50 towards what is left".to_string()],
                gbp("0.00"),
                "https://goodterms.example/go/r3ceipt",
            ),
            "Your receipt",
            &[
                CREDITOR,
                "£57.50",
                "Sunday 12 July 2026",
                "nothing left to pay",
            ],
        ),
        case(
            "confirmation code",
            templates::confirmation_code("493021", 10),
            "Your confirmation code",
            &["493021", "10 minutes"],
        ),
        case(
            "automatic payments set up",
            autopay_templates::set_up(CREDITOR, &lines),
            "Automatic payments are set up",
            &[
                CREDITOR,
                "Friday 12 June 2026",
                "£42.50",
                "Turn off automatic payments",
            ],
        ),
        case(
            "automatic payment coming up",
            autopay_templates::reminder(CREDITOR, &payment),
            "A payment is coming up",
            &[
                CREDITOR,
                "Friday 12 June 2026",
                "£42.50",
                "stops these reminders",
            ],
        ),
        case(
            "automatic payment stopped: the bank",
            autopay_templates::pay_by_hand(
                CREDITOR,
                &payment,
                StopReason::BankNeedsYou,
                "https://goodterms.example/account/7/pay",
            ),
            "An update about your account",
            &[
                CREDITOR,
                "Friday 12 June 2026",
                "£42.50",
                "Your bank asked you to confirm",
                "https://goodterms.example/account/7/pay",
            ],
        ),
        case(
            "automatic payment stopped: twice declined",
            autopay_templates::pay_by_hand(
                CREDITOR,
                &payment,
                StopReason::DidNotGoThrough,
                "https://goodterms.example/account/7/pay",
            ),
            "An update about your account",
            &["£42.50", "the second try 3 days later"],
        ),
        case(
            "staff invitation",
            staff_templates::set_password(
                "https://goodterms.example/staff/set-password/t0k",
                7,
                true,
            ),
            "You are invited to Good Terms",
            &[
                "https://goodterms.example/staff/set-password/t0k",
                "7 days",
                "You have been given a staff account",
            ],
        ),
        case(
            "staff password reset",
            staff_templates::set_password(
                "https://goodterms.example/staff/set-password/t0k",
                7,
                false,
            ),
            "Choose a new password for Good Terms",
            &[
                "https://goodterms.example/staff/set-password/t0k",
                "7 days",
                "reset your Good Terms password",
            ],
        ),
    ]
}

#[test]
fn every_email_has_its_subject_and_the_same_facts_in_text_and_html() {
    for Case {
        name,
        email,
        subject,
        facts,
    } in every_email()
    {
        assert_eq!(email.subject, subject, "{name}");
        for fact in facts {
            assert!(
                email.text.contains(fact),
                "{name}: text lacks {fact:?}:\n{}",
                email.text
            );
            assert!(
                email.html.contains(fact),
                "{name}: HTML lacks {fact:?}:\n{}",
                email.html
            );
        }
        assert!(
            email.html.contains("<html"),
            "{name}: the HTML body is a page"
        );
        assert!(
            !email.text.contains('<'),
            "{name}: the text body has markup"
        );
    }
}

#[test]
fn no_subject_reveals_an_amount_or_a_debt() {
    for Case { name, email, .. } in every_email() {
        let subject = email.subject.to_lowercase();
        assert!(
            !subject.contains(|c: char| c.is_ascii_digit() || "£$€".contains(c)),
            "{name}: {subject}"
        );
        for word in ["owe", "debt", "overdue", "arrears", "missed"] {
            assert!(!subject.contains(word), "{name}: {subject}");
        }
    }
}

#[test]
fn the_text_body_is_as_written_and_the_html_body_is_escaped() {
    let email = templates::plan_update(
        "Smith & Sons",
        DecisionNotice::Declined("Pay <b>more</b> first"),
        LINK,
    )
    .expect("renders");
    assert!(email.text.contains("Thank you for asking Smith & Sons"));
    assert!(email.text.contains("They said: Pay <b>more</b> first"));
    assert!(!email.html.contains("Smith & Sons"), "{}", email.html);
    assert!(!email.html.contains("<b>more</b>"), "{}", email.html);
    assert!(email.html.contains("Sons for a payment plan") && email.html.contains("more"));
}
