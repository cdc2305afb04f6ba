//! The stylesheet, script and icons, served from the static folder by `actix-files`. They
//! hold nothing personal, so unlike pages they may be cached; a missing file or a folder gets
//! the site's "Page not found" page, never a listing.
use std::path::{Path, PathBuf};

use actix_files::{Files, NamedFile};
use actix_web::body::{BoxBody, MessageBody};
use actix_web::dev::{ServiceRequest, ServiceResponse, fn_service};
use actix_web::http::header::{self, HeaderValue};
use actix_web::middleware::{Next, from_fn};
use actix_web::{HttpRequest, HttpResponse, ResponseError, guard, web};

use super::errors::AppError;

/// An hour: files are not fingerprinted, so a new release reaches browsers within the hour;
/// after that the ETag makes checking again cheap.
pub const CACHE_CONTROL: &str = "public, max-age=3600";

/// Mounts `/static/*` and `/favicon.ico` (browsers ask for it whatever the page links).
pub fn routes(dir: PathBuf) -> impl FnOnce(&mut web::ServiceConfig) {
    move |cfg| {
        let icon = web::Data::new(FaviconFile(dir.join("favicon.ico")));
        cfg.service(
            web::scope("/static")
                .wrap(from_fn(cache_publicly))
                .service(files(&dir)),
        )
        .service(
            web::resource("/favicon.ico")
                .app_data(icon)
                .wrap(from_fn(cache_publicly))
                // GET and HEAD, as for the files under /static.
                .route(web::route().guard(get_or_head()).to(favicon)),
        );
    }
}

fn get_or_head() -> guard::AnyGuard {
    guard::Any(guard::Get()).or(guard::Head())
}

fn files(dir: &Path) -> Files {
    let root = dir.to_path_buf();
    Files::new("", dir)
        // Only files are served; anything else (a folder, a miss) is not found.
        .path_filter(move |path, _| root.join(path).is_file())
        .default_handler(fn_service(|req: ServiceRequest| async {
            Ok(req.error_response(AppError::NotFound))
        }))
}

/// Where the icon is on disk.
struct FaviconFile(PathBuf);

async fn favicon(icon: web::Data<FaviconFile>, req: HttpRequest) -> HttpResponse {
    match NamedFile::open(&icon.0) {
        Ok(file) => file.into_response(&req),
        Err(err) => {
            tracing::error!(error = %err, path = %icon.0.display(), "the favicon is missing");
            AppError::NotFound.error_response()
        }
    }
}

/// Marks successful answers cacheable; errors keep the site-wide `no-store`.
async fn cache_publicly(
    req: ServiceRequest,
    next: Next<impl MessageBody + 'static>,
) -> Result<ServiceResponse<BoxBody>, actix_web::Error> {
    let mut res = next.call(req).await?.map_into_boxed_body();
    let status = res.status();
    if status.is_success() || status == actix_web::http::StatusCode::NOT_MODIFIED {
        res.headers_mut().insert(
            header::CACHE_CONTROL,
            HeaderValue::from_static(CACHE_CONTROL),
        );
    }
    Ok(res)
}
