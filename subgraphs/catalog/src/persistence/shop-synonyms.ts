/**
 * Query-side synonyms for the sample catalog, in Solr format (the `shop_synonyms` filter of the
 * stack's analysis plugin, or Elasticsearch's `synonym_graph` elsewhere).
 *
 * Chosen from what shoppers type against the words the superstore titles use. Mostly one-way
 * (`=>`) into the catalog's own word: "mobile" names mobile bookcases here, so a two-way
 * "mobile, phone" would put bookcases into phone searches. No rules for sofas, laptops or TVs:
 * the catalog sells none, and a rule for a word no product uses finds nothing either way.
 * Rules are analysed like the query (lowercased, ASCII-folded, light-stemmed), so one form of a
 * word covers its plural. Applied at search time only: documents are indexed without them.
 */
export const SHOP_SYNONYMS: readonly string[] = [
  'bookshelf, bookshelves, book shelf => bookcase',
  'smartphone, cellphone, cell phone, mobile phone => phone',
  'headphone, earphone => headset',
  'thumb drive, usb stick, memory stick, pen drive, jump drive => flash drive',
  'photocopier, copy machine => copier',
  'paperclip => paper clip',
  'thumbtack, pushpin => push pin',
];
