import { Migration } from '@mikro-orm/migrations';
import { MESSAGING_TABLES_DDL } from '@shop/messaging';

/**
 * Partners' capacity, areas and hours; shipments' assignment, lifecycle and sequence; tracking
 * events; declined assignments; and the messaging tables (outbox, inbox, saga participant log).
 */
export class Migration20261201003Assignment extends Migration {
  override name = 'Migration20261201003Assignment';

  override up(): void {
    // The CHECK is a last line of defence: the conditional UPDATE never attempts to break it, and
    // a bug that did would fail loudly instead of overloading a van.
    this.addSql(`alter table delivery_partners
      add column contact varchar(200) not null default '',
      add column capacity int not null default 0,
      add column current_load int not null default 0,
      add column rating decimal(3,2) not null default 5.00,
      add column available tinyint(1) not null default 0,
      add column home_postal_code varchar(10) not null default '',
      add column home_lat double not null default 0,
      add column home_lng double not null default 0,
      add column radius_km double not null default 0,
      add column service_areas json not null default ('[]'),
      add column working_hours json not null default ('{"days":[1,2,3,4,5],"from":"08:00","to":"18:00","timeZone":"America/New_York"}'),
      add column updated_at datetime(3) not null default current_timestamp(3),
      add constraint delivery_partners_load_within_capacity check (current_load >= 0 and current_load <= capacity),
      add constraint delivery_partners_rating_range check (rating >= 0 and rating <= 5)`);
    this.addSql(`alter table shipments
      modify column customer_id varchar(64) not null,
      modify column order_id varchar(64) not null,
      add column units int not null default 1,
      add column postal_code varchar(10) not null default '',
      add column dest_lat double null,
      add column dest_lng double null,
      add column sequence int not null default 0,
      add column accept_by datetime(3) null,
      add column retry_at datetime(3) null,
      add column reason varchar(500) null,
      add column last_lat double null,
      add column last_lng double null,
      add column updated_at datetime(3) not null default current_timestamp(3),
      add key shipments_status_accept_by_index (status, accept_by),
      add key shipments_status_retry_at_index (status, retry_at)`);
    this.addSql(`create table shipment_tracking_events (
      shipment_id varchar(36) not null,
      sequence int not null,
      change_kind varchar(20) not null,
      status varchar(20) not null,
      partner_id varchar(36) null,
      lat double null,
      lng double null,
      reason varchar(500) null,
      at datetime(3) not null,
      primary key (shipment_id, sequence)
    ) default character set utf8mb4 engine = InnoDB`);
    this.addSql(`create table shipment_declines (
      shipment_id varchar(36) not null,
      partner_id varchar(36) not null,
      reason varchar(20) not null,
      at datetime(3) not null,
      primary key (shipment_id, partner_id)
    ) default character set utf8mb4 engine = InnoDB`);
    for (const sql of MESSAGING_TABLES_DDL) this.addSql(sql);
  }

  override down(): void {
    this.addSql('drop table if exists shipment_declines');
    this.addSql('drop table if exists shipment_tracking_events');
  }
}
