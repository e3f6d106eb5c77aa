use migration::{Migrator, MigratorTrait};
use sea_orm::{ConnectionTrait, Database, DatabaseConnection, Statement};

use crate::support::{Db, Store, databases, fresh_postgres_database, record};

async fn tables(db: &DatabaseConnection) -> Vec<String> {
    let sql = match db.get_database_backend() {
        sea_orm::DbBackend::Sqlite => {
            "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' ORDER BY name"
        }
        _ => {
            "SELECT tablename AS name FROM pg_tables WHERE schemaname = 'public' ORDER BY tablename"
        }
    };
    db.query_all_raw(Statement::from_string(db.get_database_backend(), sql))
        .await
        .unwrap()
        .iter()
        .map(|row| row.try_get::<String>("", "name").unwrap())
        .collect()
}

#[tokio::test]
async fn migrations_run_up_down_and_up_again_on_every_database() {
    for db_kind in databases() {
        let dir = tempfile::tempdir().unwrap();
        let url = match db_kind {
            Db::Sqlite => format!("sqlite://{}/m.sqlite?mode=rwc", dir.path().display()),
            Db::Postgres => fresh_postgres_database().await,
        };
        record("migrations_up_down", db_kind, Store::InProcess);
        let db = Database::connect(&url).await.unwrap();

        Migrator::up(&db, None).await.unwrap();
        let created = tables(&db).await;
        for table in [
            "audit_log",
            "drivers",
            "settings",
            "last_filters",
            "saved_filters",
            "hidden_cargos",
            "cargo_responses",
            "outbox_messages",
        ] {
            assert!(
                created.contains(&table.to_string()),
                "{db_kind:?}: {table} missing from {created:?}"
            );
        }

        Migrator::down(&db, None).await.unwrap();
        assert_eq!(
            tables(&db).await,
            vec!["seaql_migrations".to_string()],
            "{db_kind:?}"
        );

        Migrator::up(&db, None).await.unwrap();
        assert_eq!(tables(&db).await, created, "{db_kind:?}");
    }
}

#[tokio::test]
async fn a_driver_is_unique_by_telegram_id() {
    for db_kind in databases() {
        let dir = tempfile::tempdir().unwrap();
        let url = match db_kind {
            Db::Sqlite => format!("sqlite://{}/u.sqlite?mode=rwc", dir.path().display()),
            Db::Postgres => fresh_postgres_database().await,
        };
        record("driver_unique_telegram_id", db_kind, Store::InProcess);
        let db = Database::connect(&url).await.unwrap();
        Migrator::up(&db, None).await.unwrap();
        let insert = "INSERT INTO drivers (telegram_id, first_name, created_at, updated_at) \
                      VALUES (42, 'Пётр', '2026-11-22T10:00:00Z', '2026-11-22T10:00:00Z')";
        db.execute_unprepared(insert).await.unwrap();
        assert!(
            db.execute_unprepared(insert).await.is_err(),
            "{db_kind:?} accepted a duplicate"
        );
    }
}
