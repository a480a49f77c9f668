import type { Cluster } from '../helpers/postgres.js'

/** Prisma's own DDL for its history table (its engine cannot run here). */
export const PRISMA_MIGRATIONS_DDL = `CREATE TABLE _prisma_migrations (id VARCHAR(36) PRIMARY KEY NOT NULL, checksum
    VARCHAR(64) NOT NULL, finished_at TIMESTAMPTZ, migration_name VARCHAR(255) NOT NULL, logs TEXT,
    rolled_back_at TIMESTAMPTZ, started_at TIMESTAMPTZ NOT NULL DEFAULT now(), applied_steps_count
    INTEGER NOT NULL DEFAULT 0);`

/**
 * An application database as Drizzle and Prisma leave it: tables with rows, a sequence moved
 * past its rows, an enum, an index, Drizzle's history in schema `drizzle`, Prisma's in public.
 */
export function makeAppDb(cluster: Cluster, name: string): void {
  cluster.sql('postgres', `CREATE DATABASE "${name}";`)
  cluster.sql(
    name,
    `CREATE TYPE mood AS ENUM ('happy', 'sad');
CREATE TABLE users (id serial PRIMARY KEY, email text NOT NULL UNIQUE, mood mood, created_at timestamptz DEFAULT now());
CREATE INDEX users_mood_idx ON users (mood);
CREATE TABLE posts (id bigserial PRIMARY KEY, user_id int NOT NULL REFERENCES users(id), body text);
INSERT INTO users (email, mood) SELECT 'u' || g || '@example.com', CASE WHEN g % 2 = 0 THEN 'happy'::mood ELSE 'sad'::mood END FROM generate_series(1, 200) g;
INSERT INTO posts (user_id, body) SELECT 1 + g % 200, repeat('x', g) FROM generate_series(1, 500) g;
SELECT setval('users_id_seq', 1000);
CREATE SCHEMA drizzle;
CREATE TABLE drizzle.__drizzle_migrations (id serial PRIMARY KEY, hash text NOT NULL, created_at bigint);
INSERT INTO drizzle.__drizzle_migrations (hash, created_at) VALUES ('aaa', 1700000000000), ('bbb', 1700000001000);
${PRISMA_MIGRATIONS_DDL}
INSERT INTO _prisma_migrations (id, checksum, finished_at, migration_name, applied_steps_count)
  VALUES ('0b5e0d5e-0000-4000-8000-000000000001', repeat('a', 64), now(), '20240101000000_init', 1);`,
  )
}

/**
 * What a database holds, read with psql directly (not through the engine): every table's
 * columns and rows in order, every sequence's position, every enum's labels.
 */
export function contentOf(cluster: Cluster, db: string): string {
  const tables = cluster
    .sql(
      db,
      `SELECT table_schema || '.' || table_name FROM information_schema.tables
       WHERE table_schema NOT IN ('pg_catalog', 'information_schema') AND table_type = 'BASE TABLE' ORDER BY 1;`,
    )
    .trim()
    .split('\n')
    .filter(Boolean)
  const parts = [`tables: ${tables.join(', ')}`]
  for (const t of tables) {
    const [schema, table] = t.split('.') as [string, string]
    parts.push(
      `${t}: ${cluster.sql(db, `SELECT coalesce(json_agg(x ORDER BY x::text), '[]') FROM "${schema}"."${table}" x;`).trim()}`,
    )
  }
  parts.push(
    `sequences: ${cluster.sql(db, `SELECT coalesce(json_agg(json_build_array(schemaname, sequencename, last_value) ORDER BY schemaname, sequencename), '[]') FROM pg_sequences;`).trim()}`,
  )
  parts.push(
    `enums: ${cluster.sql(db, `SELECT coalesce(json_agg(enumlabel ORDER BY enumsortorder), '[]') FROM pg_enum;`).trim()}`,
  )
  return parts.join('\n')
}

export function databases(cluster: Cluster): string[] {
  return cluster.sql('postgres', 'SELECT datname FROM pg_database ORDER BY 1;').trim().split('\n')
}
