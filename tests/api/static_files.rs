//! The stylesheet, script and icons: served from the static folder, cacheable (pages are
//! not), and a missing file gets the site's "Page not found" page.
use crate::helpers::spawn_app;

fn header<'a>(response: &'a reqwest::Response, name: &str) -> &'a str {
    response
        .headers()
        .get(name)
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default()
}

#[tokio::test]
async fn the_stylesheet_script_and_icons_are_served_with_a_cache_header() {
    let app = spawn_app().await;
    let files = [
        ("/static/site.css", "text/css"),
        ("/static/import-progress.js", "javascript"),
        ("/static/favicon.svg", "image/svg+xml"),
        ("/favicon.ico", "icon"),
    ];
    for (path, content_type) in files {
        let response = app.get(path).await;
        assert_eq!(response.status().as_u16(), 200, "GET {path}");
        assert!(
            header(&response, "content-type").contains(content_type),
            "{path} is served as {}",
            header(&response, "content-type")
        );
        assert_eq!(
            header(&response, "cache-control"),
            "public, max-age=3600",
            "{path}"
        );
        assert_eq!(
            header(&response, "x-content-type-options"),
            "nosniff",
            "{path}"
        );
        assert!(
            !response.bytes().await.unwrap().is_empty(),
            "{path} is empty"
        );
    }
    for path in ["/static/site.css", "/favicon.ico"] {
        let response = app.client.head(app.url(path)).send().await.unwrap();
        assert_eq!(response.status().as_u16(), 200, "HEAD {path}");
    }
    let css = app.get_html("/static/site.css").await;
    assert!(
        css.contains(".skip-link"),
        "the stylesheet is the site's own"
    );
}

#[tokio::test]
async fn every_page_links_the_icon_and_the_stylesheet() {
    let app = spawn_app().await;
    let html = app.get_html("/").await;
    assert!(html.contains(r#"<link rel="icon" href="/static/favicon.svg" type="image/svg+xml">"#));
    assert!(html.contains(r#"<link rel="stylesheet" href="/static/site.css">"#));
    let staff = app.get_html("/staff/signin").await;
    assert!(staff.contains(r#"<link rel="icon" href="/static/favicon.svg""#));
}

#[tokio::test]
async fn an_unknown_static_file_or_folder_is_the_sites_not_found_page() {
    let app = spawn_app().await;
    for path in ["/static/nope.css", "/static/", "/static"] {
        let response = app.get(path).await;
        assert_eq!(response.status().as_u16(), 404, "GET {path}");
        assert_eq!(header(&response, "cache-control"), "no-store", "{path}");
        let html = response.text().await.unwrap();
        assert!(html.contains("<h1>Page not found</h1>"), "{path}:\n{html}");
        assert!(!html.contains("site.css<"), "{path} lists the folder");
    }
}

#[tokio::test]
async fn a_file_that_has_not_changed_is_not_sent_again() {
    let app = spawn_app().await;
    let first = app.get("/static/site.css").await;
    let etag = header(&first, "etag").to_string();
    assert!(!etag.is_empty(), "the stylesheet has an ETag");
    let again = app
        .client
        .get(app.url("/static/site.css"))
        .header("if-none-match", &etag)
        .send()
        .await
        .unwrap();
    assert_eq!(again.status().as_u16(), 304);
}
