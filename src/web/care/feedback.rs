//! The answer to "how easy was that?", posted from the page that asked it. A form with a
//! problem comes back on a small page of its own, with what was typed kept.
use actix_web::{get, post, web};
use askama::Template;
use sea_orm::DatabaseConnection;

use crate::clock::Clock;
use crate::domain::feedback::FeedbackAnswer;
use crate::services::care::feedback;
use crate::web::auth::SignedInDebtor;
use crate::web::csrf::CsrfToken;
use crate::web::errors::{AppError, PageResult};
use crate::web::forms::Problems;
use crate::web::pages::{self, Chrome, FieldError};

pub fn debtor_routes(cfg: &mut web::ServiceConfig) {
    cfg.service(answer).service(thanks);
}

/// The answer as posted; every field may be left empty except the moment, and the domain
/// decides whether the whole makes an answer.
#[derive(serde::Deserialize, Default)]
#[serde(default)]
pub struct FeedbackForm {
    moment: String,
    score: String,
    comment: String,
}

#[derive(Template)]
#[template(path = "care/feedback.html")]
struct FeedbackPage {
    chrome: Chrome,
    account_id: i32,
    form: FeedbackForm,
    errors: Vec<FieldError>,
    problems: Problems,
}

impl FeedbackPage {
    /// For the template: was this score chosen?
    fn chose(&self, score: &i32) -> bool {
        self.form.score.trim() == score.to_string()
    }
}

#[post("/account/{id}/feedback")]
pub async fn answer(
    who: SignedInDebtor,
    path: web::Path<i32>,
    form: web::Form<FeedbackForm>,
    csrf: CsrfToken,
    db: web::Data<DatabaseConnection>,
    clock: web::Data<Clock>,
) -> PageResult {
    let account_id = path.into_inner();
    let form = form.into_inner();
    match FeedbackAnswer::new(&form.moment, &form.score, &form.comment) {
        Ok(answer) => {
            let kept = feedback::record(
                db.get_ref(),
                who.0.debtor_id,
                account_id,
                answer,
                clock.now(),
            )
            .await
            .map_err(AppError::internal)?;
            if !kept {
                return Err(AppError::NotFound);
            }
            Ok(pages::see_other(&format!(
                "/account/{account_id}/feedback/thanks"
            )))
        }
        Err(invalid) => {
            let mut problems = Problems::default();
            problems.add_invalid(invalid);
            Ok(pages::invalid(&FeedbackPage {
                chrome: Chrome::debtor(&csrf.0),
                account_id,
                form,
                errors: problems.summary(),
                problems,
            }))
        }
    }
}

#[derive(Template)]
#[template(path = "care/feedback_thanks.html")]
struct ThanksPage {
    chrome: Chrome,
}

#[get("/account/{id}/feedback/thanks")]
pub async fn thanks(_who: SignedInDebtor, _path: web::Path<i32>, csrf: CsrfToken) -> PageResult {
    Ok(pages::ok(&ThanksPage {
        chrome: Chrome::debtor(&csrf.0),
    }))
}
