//! The plan lifecycle pass skips a plan it cannot read, says so, and checks all the others.
use chrono::{Duration, Utc};
use goodterms::domain::plans::PlanStatus;
use goodterms::entities::{installment, plan};
use goodterms::services::plans::lifecycle;
use sea_orm::sea_query::Expr;
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter};

use crate::allocation::{alex_with_plan, in_days, plan_status};
use crate::helpers::spawn_demo_app;

#[tokio::test]
async fn one_unreadable_plan_is_skipped_and_counted_and_the_others_are_still_checked() {
    let app = spawn_demo_app().await;
    let broken_row = alex_with_plan(&app, 5).await;
    // Sam's account gets a plan too, with two payments long missed.
    let sam = {
        let account = crate::payments::account_id(&app, "NW-1002").await;
        let template = plan::Entity::find_by_id(broken_row.plan)
            .one(&app.db)
            .await
            .unwrap()
            .unwrap();
        let debtor = goodterms::entities::account::Entity::find_by_id(account)
            .one(&app.db)
            .await
            .unwrap()
            .unwrap()
            .debtor_id;
        use sea_orm::{ActiveModelTrait, Set};
        let row = plan::ActiveModel {
            id: sea_orm::NotSet,
            account_id: Set(account),
            debtor_id: Set(debtor),
            ..plan::ActiveModel::from(template)
        }
        .insert(&app.db)
        .await
        .unwrap();
        for (seq, days) in [(1, -40), (2, -10), (3, 20)] {
            installment::ActiveModel {
                plan_id: Set(row.id),
                seq: Set(seq),
                due_on: Set(in_days(days)),
                amount_minor: Set(1_000),
                paid_minor: Set(0),
                missed: Set(false),
                ..Default::default()
            }
            .insert(&app.db)
            .await
            .unwrap();
        }
        row.id
    };
    // Alex's plan (the lower id, checked first) has a currency nobody can read.
    plan::Entity::update_many()
        .col_expr(plan::Column::Currency, Expr::value("???"))
        .filter(plan::Column::Id.eq(broken_row.plan))
        .exec(&app.db)
        .await
        .unwrap();

    let report = lifecycle::run(&app.db, Utc::now() + Duration::hours(1))
        .await
        .expect("the pass finishes");
    assert_eq!(report.skipped, 1);
    assert_eq!(report.checked, 1);
    assert_eq!(report.broken, 1);
    assert_eq!(plan_status(&app, sam).await, PlanStatus::Broken);
    assert_eq!(plan_status(&app, broken_row.plan).await, PlanStatus::Active);
}
