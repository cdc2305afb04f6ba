//! Signing in with a reference number and date of birth.
use crate::helpers::{assert_redirect, spawn_demo_app};

#[tokio::test]
async fn the_sign_in_page_has_the_labelled_fields_and_the_email_link_option() {
    let app = spawn_demo_app().await;
    let response = app.get("/").await;
    assert_eq!(response.status().as_u16(), 200);
    let html = response.text().await.unwrap();
    assert!(html.contains(r#"<label for="reference">Reference number</label>"#));
    assert!(html.contains("<legend>Date of birth</legend>"));
    for label in ["Day", "Month", "Year"] {
        assert!(
            html.contains(&format!(">{label}</label>")),
            "missing {label}"
        );
    }
    assert!(html.contains(r#"<a href="/signin/link">Email me a sign-in link</a>"#));
}

#[tokio::test]
async fn the_right_details_sign_in_and_show_the_account() {
    let app = spawn_demo_app().await;
    let response = app.sign_in_debtor(" nw-1001 ", ("12", "04", "1985")).await;
    assert_redirect(&response, "/account");
    let html = app.get_html("/account").await;
    assert!(html.contains("Hello Alex"));
    assert!(html.contains("NW-1001"));
}

#[tokio::test]
async fn a_wrong_date_and_an_unknown_reference_get_the_same_answer() {
    let app = spawn_demo_app().await;
    let wrong_date = app.sign_in_debtor("NW-1001", ("13", "4", "1985")).await;
    let unknown_reference = app.sign_in_debtor("NW-9999", ("13", "4", "1985")).await;
    assert_eq!(wrong_date.status().as_u16(), 400);
    assert_eq!(unknown_reference.status().as_u16(), 400);
    let a = wrong_date.text().await.unwrap();
    let b = unknown_reference.text().await.unwrap();
    let message = "We could not find an account with those details.";
    assert!(a.contains(message) && b.contains(message));
    // Apart from what the person typed, the pages are identical.
    assert_eq!(
        a.replace(r#"value="NW-1001""#, "X"),
        b.replace(r#"value="NW-9999""#, "X")
    );
    assert_eq!(app.get("/account").await.status().as_u16(), 303);
}

#[tokio::test]
async fn form_mistakes_are_explained_next_to_the_field_and_what_was_typed_is_kept() {
    let app = spawn_demo_app().await;
    // (reference, date of birth, message, the field the summary links to)
    type Case<'a> = (&'a str, (&'a str, &'a str, &'a str), &'a str, &'a str);
    let cases: &[Case] = &[
        (
            "",
            ("12", "4", "1985"),
            "Enter your reference number",
            "#reference",
        ),
        (
            "NW-1001",
            ("", "", ""),
            "Enter your date of birth",
            "#dob-day",
        ),
        (
            "NW-1001",
            ("31", "2", "1985"),
            "Enter a real date of birth",
            "#dob-day",
        ),
        (
            "NW-1001",
            ("12", "", "1985"),
            "must include a month",
            "#dob-month",
        ),
        (
            "NW-1001",
            ("12", "4", "2999"),
            "must be in the past",
            "#dob-day",
        ),
    ];
    for (reference, dob, message, anchor) in cases {
        let response = app.sign_in_debtor(reference, *dob).await;
        assert_eq!(response.status().as_u16(), 400, "{message}");
        let html = response.text().await.unwrap();
        assert!(html.contains("There is a problem"), "{message}");
        assert!(html.contains(message), "{message}");
        assert!(html.contains(&format!("href=\"{anchor}\"")), "{message}");
        assert!(
            html.contains(&format!("value=\"{}\"", dob.2)),
            "keeps the year"
        );
    }
}

#[tokio::test]
async fn a_huge_reference_and_html_in_a_field_are_handled_calmly() {
    let app = spawn_demo_app().await;
    let huge = "A".repeat(5000);
    let response = app.sign_in_debtor(&huge, ("12", "4", "1985")).await;
    assert_eq!(response.status().as_u16(), 400);
    assert!(response.text().await.unwrap().contains("too long"));

    let script = "<script>alert(1)</script>";
    let response = app.sign_in_debtor(script, ("12", "4", "1985")).await;
    assert_eq!(response.status().as_u16(), 400);
    let html = response.text().await.unwrap();
    assert!(!html.contains(script));
    assert!(html.contains("&lt;script&gt;") || html.contains("&#60;script&#62;"));
}

#[tokio::test]
async fn after_five_failures_people_are_asked_to_wait_but_not_locked_out_for_good() {
    let app = spawn_demo_app().await;
    for _ in 0..5 {
        let response = app.sign_in_debtor("NW-1001", ("1", "1", "1970")).await;
        assert_eq!(response.status().as_u16(), 400);
    }
    // Even the right details now wait: a guesser learns nothing from the sixth try.
    let response = app.sign_in_alex().await;
    assert_eq!(response.status().as_u16(), 429);
    // Clients and proxies are told the same wait as the person.
    let retry_after = response.headers()["retry-after"].to_str().unwrap();
    assert_eq!(retry_after, "30");
    let html = response.text().await.unwrap();
    assert!(html.contains("please wait 30 seconds"));
    assert!(html.contains("email you a sign-in link"));
}

#[tokio::test]
async fn an_unknown_reference_is_slowed_down_just_like_a_known_one() {
    let app = spawn_demo_app().await;
    for _ in 0..5 {
        app.sign_in_debtor("NW-7777", ("1", "1", "1970")).await;
    }
    let response = app.sign_in_debtor("NW-7777", ("1", "1", "1970")).await;
    assert_eq!(response.status().as_u16(), 429);
}

#[tokio::test]
async fn signing_in_gives_a_new_session_id() {
    let app = spawn_demo_app().await;
    // A first sign-in and sign-out leave the browser holding a session cookie.
    app.sign_in_alex().await;
    let before = app
        .cookie("gt_session")
        .expect("session cookie after sign-in");
    app.post_form("/signout", &[]).await;
    app.sign_in_alex().await;
    let after = app
        .cookie("gt_session")
        .expect("session cookie after second sign-in");
    assert_ne!(before, after);
}

#[tokio::test]
async fn signing_out_ends_the_session_on_the_server_so_a_copied_cookie_is_useless() {
    let app = spawn_demo_app().await;
    app.sign_in_alex().await;
    let stolen = app.cookie("gt_session").expect("session cookie");
    let response = app.post_form("/signout", &[]).await;
    assert_redirect(&response, "/signed-out");

    let (_, other) = app.second_browser();
    let response = other
        .get(app.url("/account"))
        .header("cookie", format!("gt_session={stolen}"))
        .send()
        .await
        .unwrap();
    assert_redirect(&response, "/");
}
