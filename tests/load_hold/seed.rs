//! The simulated people, loaded through the same CSV import staff use, so each one's
//! reference and date of birth are known to the test.
use std::fmt::Write as _;

use chrono::Utc;
use goodterms::entities::staff_user;
use goodterms::services::staff::imports::{self, Importer};
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter};

use crate::helpers::TestApp;

const HEADER: &str =
    "reference,name,email,date_of_birth,time_zone,currency,amount,date,kind,description\n";
const DEMO_STAFF: &str = "staff@northwind.example";

#[derive(Clone, Debug)]
pub struct Person {
    pub reference: String,
    /// Day, month and year, as typed into the sign-in form.
    pub dob: (String, String, String),
    /// What they owe before the hold starts, in pence.
    pub owed_minor: i64,
}

/// `count` people owing between £120.00 and about £600.00 each.
pub fn people(count: usize) -> Vec<Person> {
    (1..=count)
        .map(|n| Person {
            reference: format!("LOAD-{n:04}"),
            dob: (
                (1 + n % 28).to_string(),
                (1 + n % 12).to_string(),
                (1960 + n % 40).to_string(),
            ),
            owed_minor: 12_000 + (n as i64) * 987,
        })
        .collect()
}

fn csv(people: &[Person]) -> String {
    let mut csv = String::from(HEADER);
    for (n, person) in people.iter().enumerate() {
        let (day, month, year) = &person.dob;
        let _ = writeln!(
            csv,
            "{},Load Person {n},load{n}@example.com,{year}-{month:0>2}-{day:0>2},Europe/London,GBP,{}.{:02},2026-04-01,principal,Energy supplied in the winter quarter",
            person.reference,
            person.owed_minor / 100,
            person.owed_minor % 100,
        );
    }
    csv
}

/// Imports the people as the demo creditor's staff would (check, start, run).
pub async fn import(app: &TestApp, people: &[Person]) {
    let staff = staff_user::Entity::find()
        .filter(staff_user::Column::Email.eq(DEMO_STAFF))
        .one(&app.db)
        .await
        .expect("staff lookup")
        .expect("the demo creditor's staff member");
    let who = Importer {
        creditor_id: staff.creditor_id.expect("creditor staff"),
        staff_id: staff.id,
    };
    let now = Utc::now();
    let bytes = csv(people).into_bytes();
    let id = imports::check_upload(&app.db, &app.hasher, who, "load.csv", bytes, now)
        .await
        .expect("check runs")
        .expect("the file is readable");
    imports::start(&app.db, who, id, false, now)
        .await
        .expect("start runs")
        .expect("the file has no problems");
    let summary = imports::run(&app.db, id, now)
        .await
        .expect("import runs")
        .expect("claimed");
    assert_eq!(
        summary.created,
        people.len() as i64,
        "every person imported"
    );
}
