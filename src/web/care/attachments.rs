//! Downloading an attachment: only the person whose account it is, or that creditor's staff.
//! Always as a download (never shown inline), with its real type and no sniffing, so a file
//! can never run as a page of this site.
use actix_web::http::header::{
    CacheControl, CacheDirective, ContentDisposition, DispositionParam, DispositionType,
};
use actix_web::{HttpResponse, get, web};
use sea_orm::DatabaseConnection;

use crate::services::care::attachments::{self, Download, Viewer};
use crate::web::auth::{SignedInDebtor, SignedInStaff};
use crate::web::errors::AppError;

#[get("/account/{id}/attachments/{attachment}")]
pub async fn for_person(
    who: SignedInDebtor,
    path: web::Path<(i32, i32)>,
    db: web::Data<DatabaseConnection>,
) -> Result<HttpResponse, AppError> {
    let (account_id, attachment_id) = path.into_inner();
    let viewer = Viewer::Person(who.0.debtor_id);
    let found = attachments::open(db.get_ref(), viewer, attachment_id)
        .await
        .map_err(AppError::internal)?
        .filter(|d| d.attachment.account_id == account_id)
        .ok_or(AppError::NotFound)?;
    Ok(send(found))
}

#[get("/attachments/{attachment}")]
pub async fn for_staff(
    who: SignedInStaff,
    path: web::Path<i32>,
    db: web::Data<DatabaseConnection>,
) -> Result<HttpResponse, AppError> {
    let viewer = Viewer::Staff {
        creditor_id: who.creditor_id()?,
    };
    let found = attachments::open(db.get_ref(), viewer, path.into_inner())
        .await
        .map_err(AppError::internal)?
        .ok_or(AppError::NotFound)?;
    Ok(send(found))
}

fn send(download: Download) -> HttpResponse {
    let disposition = ContentDisposition {
        disposition: DispositionType::Attachment,
        parameters: vec![DispositionParam::Filename(download.attachment.file_name)],
    };
    HttpResponse::Ok()
        .content_type(download.attachment.content_type.as_str())
        .insert_header(disposition)
        .insert_header(CacheControl(vec![
            CacheDirective::Private,
            CacheDirective::NoStore,
        ]))
        .insert_header(("X-Content-Type-Options", "nosniff"))
        .body(download.bytes)
}
