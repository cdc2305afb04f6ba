//! Free, independent debt advice: a page for each account (its creditor's list, or the UK
//! defaults), a public page with the defaults, and the admin's editor for a creditor's list.
use actix_web::{get, post, web};
use askama::Template;
use sea_orm::DatabaseConnection;

use crate::clock::Clock;
use crate::domain::advice::{AdviceService, MAX_SERVICES, RowIds, TypedService, uk_defaults};
use crate::services::care::advice;
use crate::web::auth::SignedInDebtor;
use crate::web::auth::SignedInStaff;
use crate::web::csrf::CsrfToken;
use crate::web::errors::{AppError, PageResult};
use crate::web::forms::{Problems, SavedQuery};
use crate::web::pages::{self, Chrome, FieldError};

pub fn debtor_routes(cfg: &mut web::ServiceConfig) {
    cfg.service(for_account).service(public);
}

pub fn staff_routes(_cfg: &mut web::ServiceConfig) {}

pub fn admin_routes(cfg: &mut web::ServiceConfig) {
    cfg.service(edit).service(save);
}

#[derive(Template)]
#[template(path = "care/advice.html")]
struct AdvicePage {
    chrome: Chrome,
    /// Whose list it is, on an account's page.
    creditor_name: Option<String>,
    services: Vec<AdviceService>,
    account_id: Option<i32>,
}

impl AdvicePage {
    /// A phone number as a `tel:` link wants it: no spaces.
    fn tel(&self, phone: &str) -> String {
        phone.chars().filter(|c| !c.is_whitespace()).collect()
    }
}

#[get("/account/{id}/advice")]
pub async fn for_account(
    who: SignedInDebtor,
    path: web::Path<i32>,
    csrf: CsrfToken,
    db: web::Data<DatabaseConnection>,
) -> PageResult {
    let id = path.into_inner();
    let list = advice::for_account(db.get_ref(), who.0.debtor_id, id)
        .await
        .map_err(AppError::internal)?
        .ok_or(AppError::NotFound)?;
    Ok(pages::ok(&AdvicePage {
        chrome: Chrome::debtor(&csrf.0),
        creditor_name: Some(list.creditor_name),
        services: list.services,
        account_id: Some(id),
    }))
}

/// Anyone may read it, signed in or not.
#[get("/debt-advice")]
pub async fn public() -> PageResult {
    Ok(pages::ok(&AdvicePage {
        chrome: Chrome::plain(),
        creditor_name: None,
        services: uk_defaults(),
        account_id: None,
    }))
}

/// Each row's input ids, fixed so each message can sit by its field.
macro_rules! row_ids {
    ($($n:literal),+) => {
        [$(RowIds {
            name: concat!("name-", $n),
            url: concat!("url-", $n),
            phone: concat!("phone-", $n),
            description: concat!("description-", $n),
        }),+]
    };
}

const ROW_IDS: [RowIds; MAX_SERVICES] = row_ids!(0, 1, 2, 3, 4, 5, 6, 7);

/// One row of the editor as shown (and as typed).
pub struct Row {
    pub number: usize,
    pub ids: RowIds,
    pub name: String,
    pub url: String,
    pub phone: String,
    pub description: String,
    pub remove: bool,
}

impl Row {
    fn blank(index: usize) -> Row {
        Row {
            number: index + 1,
            ids: ROW_IDS[index],
            name: String::new(),
            url: String::new(),
            phone: String::new(),
            description: String::new(),
            remove: false,
        }
    }

    fn typed(&self) -> TypedService<'_> {
        TypedService {
            name: &self.name,
            url: &self.url,
            phone: &self.phone,
            description: &self.description,
        }
    }
}

#[derive(Template)]
#[template(path = "admin/advice.html")]
struct EditPage {
    chrome: Chrome,
    errors: Vec<FieldError>,
    problems: Problems,
    creditor_id: i32,
    creditor_name: String,
    rows: Vec<Row>,
    saved: bool,
}

async fn creditor_name(db: &DatabaseConnection, id: i32) -> Result<String, AppError> {
    advice::creditor_name(db, id)
        .await
        .map_err(AppError::internal)?
        .ok_or(AppError::NotFound)
}

/// The stored services, then one empty row to add another (while there is room).
fn rows_of(services: Vec<AdviceService>) -> Vec<Row> {
    let mut rows: Vec<Row> = services
        .into_iter()
        .take(MAX_SERVICES)
        .enumerate()
        .map(|(index, s)| Row {
            name: s.name,
            url: s.url,
            phone: s.phone.unwrap_or_default(),
            description: s.description,
            ..Row::blank(index)
        })
        .collect();
    if rows.len() < MAX_SERVICES {
        rows.push(Row::blank(rows.len()));
    }
    rows
}

#[get("/creditors/{id}/advice")]
pub async fn edit(
    who: SignedInStaff,
    path: web::Path<i32>,
    query: web::Query<SavedQuery>,
    csrf: CsrfToken,
    db: web::Data<DatabaseConnection>,
) -> PageResult {
    let id = path.into_inner();
    let name = creditor_name(&db, id).await?;
    let own = advice::own_list(db.get_ref(), id)
        .await
        .map_err(AppError::internal)?;
    Ok(pages::ok(&EditPage {
        chrome: Chrome::staff(&csrf.0, who.is_admin()),
        errors: Vec::new(),
        problems: Problems::default(),
        creditor_id: id,
        creditor_name: name,
        rows: rows_of(own),
        saved: query.saved(),
    }))
}

/// Reads the rows from the posted pairs (`name-0`, `url-0`, ..., `remove-0`), leaving out
/// rows left empty and numbering the rest from the top.
fn rows_from(pairs: &[(String, String)]) -> Vec<Row> {
    let value = |key: &str| {
        pairs
            .iter()
            .find(|(k, _)| k == key)
            .map(|(_, v)| v.clone())
            .unwrap_or_default()
    };
    (0..MAX_SERVICES)
        .map(|index| {
            let ids = ROW_IDS[index];
            Row {
                name: value(ids.name),
                url: value(ids.url),
                phone: value(ids.phone),
                description: value(ids.description),
                remove: !value(&format!("remove-{index}")).is_empty(),
                ..Row::blank(index)
            }
        })
        .filter(|row| !row.typed().is_blank() || row.remove)
        .collect::<Vec<_>>()
        .into_iter()
        .enumerate()
        .map(|(index, row)| Row {
            number: index + 1,
            ids: ROW_IDS[index],
            ..row
        })
        .collect()
}

#[post("/creditors/{id}/advice")]
pub async fn save(
    who: SignedInStaff,
    path: web::Path<i32>,
    form: web::Form<Vec<(String, String)>>,
    csrf: CsrfToken,
    db: web::Data<DatabaseConnection>,
    clock: web::Data<Clock>,
) -> PageResult {
    let id = path.into_inner();
    let name = creditor_name(&db, id).await?;
    let rows = rows_from(&form);
    let mut problems = Problems::default();
    let mut services = Vec::new();
    for row in rows.iter().filter(|row| !row.remove) {
        match AdviceService::new(row.typed(), row.ids) {
            Ok(service) => services.push(service),
            Err(invalid) => problems.add_invalid(invalid),
        }
    }
    if !problems.is_empty() {
        let mut rows = rows;
        if rows.len() < MAX_SERVICES {
            rows.push(Row::blank(rows.len()));
        }
        let page = EditPage {
            chrome: Chrome::staff(&csrf.0, who.is_admin()),
            errors: problems.summary(),
            problems,
            creditor_id: id,
            creditor_name: name,
            rows,
            saved: false,
        };
        return Ok(pages::invalid(&page));
    }
    let found = advice::replace(&db, who.0.staff_id, id, services, clock.now())
        .await
        .map_err(AppError::internal)?;
    if !found {
        return Err(AppError::NotFound);
    }
    Ok(pages::see_other(&format!(
        "/admin/creditors/{id}/advice?saved=1"
    )))
}
