package shop.analysis;

import java.io.IOException;
import java.io.StringReader;
import java.io.UncheckedIOException;
import java.text.ParseException;
import org.apache.lucene.analysis.Analyzer;
import org.apache.lucene.analysis.LowerCaseFilter;
import org.apache.lucene.analysis.TokenStream;
import org.apache.lucene.analysis.Tokenizer;
import org.apache.lucene.analysis.en.EnglishPossessiveFilter;
import org.apache.lucene.analysis.en.KStemFilter;
import org.apache.lucene.analysis.miscellaneous.ASCIIFoldingFilter;
import org.apache.lucene.analysis.standard.StandardTokenizer;
import org.apache.lucene.analysis.synonym.SolrSynonymParser;
import org.apache.lucene.analysis.synonym.SynonymGraphFilter;
import org.apache.lucene.analysis.synonym.SynonymMap;
import org.elasticsearch.plugin.Inject;
import org.elasticsearch.plugin.NamedComponent;
import org.elasticsearch.plugin.analysis.AnalysisMode;
import org.elasticsearch.plugin.analysis.TokenFilterFactory;

/**
 * Query-side synonyms from the `synonyms` list (Solr format), expanded as a token graph so a
 * multi-word rule ("tv, television set") still matches as a phrase.
 *
 * Search time only: documents are indexed without synonyms, so changing the list needs new
 * index settings, never re-analysing the documents. The rules are parsed with the chain that
 * precedes this filter in `shop_search` (standard tokenizer, lowercase, ASCII folding, light
 * English stemming), so "Couches" in a rule and "couches" in a query both become "couch"; place
 * the filter after `shop_english_stem`.
 */
@NamedComponent("shop_synonyms")
public class SynonymGraphFilterFactory implements TokenFilterFactory {
    private final SynonymMap map;

    @Inject
    public SynonymGraphFilterFactory(SynonymsSettings settings) {
        this.map = build(String.join("\n", settings.synonyms()));
    }

    private static SynonymMap build(String rules) {
        Analyzer ruleAnalyzer = new Analyzer() {
            @Override
            protected TokenStreamComponents createComponents(String field) {
                Tokenizer source = new StandardTokenizer();
                TokenStream chain = new ASCIIFoldingFilter(new LowerCaseFilter(source));
                return new TokenStreamComponents(
                    source, new KStemFilter(new EnglishPossessiveFilter(chain)));
            }
        };
        try (ruleAnalyzer) {
            SolrSynonymParser parser = new SolrSynonymParser(true, true, ruleAnalyzer);
            parser.parse(new StringReader(rules));
            return parser.build();
        } catch (ParseException e) {
            throw new IllegalArgumentException("shop_synonyms: bad rule: " + e.getMessage(), e);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    @Override
    public TokenStream create(TokenStream in) {
        // An empty list builds an empty map, which SynonymGraphFilter refuses: pass through.
        return map.fst == null ? in : new SynonymGraphFilter(in, map, true);
    }

    @Override
    public AnalysisMode getAnalysisMode() {
        return AnalysisMode.SEARCH_TIME;
    }
}
