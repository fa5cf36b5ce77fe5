import { Migration } from '@mikro-orm/migrations';

export class Migration20261124001Init extends Migration {
  override name = 'Migration20261124001Init';

  override up(): void {
    this.addSql(`create table users (
      id varchar(36) not null primary key,
      email varchar(254) not null,
      password_hash varchar(100) not null,
      roles json not null,
      created_at datetime(3) not null,
      unique key users_email_unique (email)
    ) default character set utf8mb4 engine = InnoDB`);
    this.addSql(`create table refresh_tokens (
      id varchar(36) not null primary key,
      user_id varchar(36) not null,
      family_id varchar(36) not null,
      token_hash varchar(64) not null,
      expires_at datetime(3) not null,
      used_at datetime(3) null,
      revoked_at datetime(3) null,
      created_at datetime(3) not null,
      unique key refresh_tokens_token_hash_unique (token_hash),
      key refresh_tokens_user_id_index (user_id),
      key refresh_tokens_family_id_index (family_id)
    ) default character set utf8mb4 engine = InnoDB`);
    this.addSql(`create table signing_keys (
      kid varchar(64) not null primary key,
      private_jwk text not null,
      public_jwk text not null,
      created_at datetime(3) not null,
      retired_at datetime(3) null
    ) default character set utf8mb4 engine = InnoDB`);
  }

  override down(): void {
    this.addSql('drop table if exists signing_keys');
    this.addSql('drop table if exists refresh_tokens');
    this.addSql('drop table if exists users');
  }
}
