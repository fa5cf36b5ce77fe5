package shop.analysis;

import java.util.List;
import org.elasticsearch.plugin.settings.AnalysisSettings;
import org.elasticsearch.plugin.settings.ListSetting;

/** The `shop_synonyms` filter's settings, injected from the index's analysis settings. */
@AnalysisSettings
public interface SynonymsSettings {
    /** Rules in Solr format: "sofa, couch" (equivalent) or "bookshelf => bookcase" (one way). */
    @ListSetting(path = "synonyms")
    List<String> synonyms();
}
