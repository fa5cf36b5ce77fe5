/**
 * Search's own tables in catalog's MariaDB database (beside the messaging tables): the stock figure
 * each product's index document carries, and the search log behind the insights.
 */
export const SEARCH_TABLES_DDL: readonly string[] = [
  `CREATE TABLE IF NOT EXISTS search_stock_view (
    product_id VARCHAR(64) NOT NULL PRIMARY KEY,
    available INT NOT NULL,
    seq INT UNSIGNED NOT NULL DEFAULT 1,
    updated_at DATETIME(3) NOT NULL DEFAULT CURRENT_TIMESTAMP(3) ON UPDATE CURRENT_TIMESTAMP(3),
    KEY ix_search_stock_view_updated (updated_at)
  ) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4`,
  `CREATE TABLE IF NOT EXISTS search_query_log (
    id BIGINT UNSIGNED NOT NULL AUTO_INCREMENT PRIMARY KEY,
    query VARCHAR(200) NOT NULL,
    hits INT NOT NULL,
    searched_at DATETIME(3) NOT NULL,
    KEY ix_search_query_log_time (searched_at)
  ) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4`,
];
