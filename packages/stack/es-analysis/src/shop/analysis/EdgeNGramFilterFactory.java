package shop.analysis;

import org.apache.lucene.analysis.TokenStream;
import org.apache.lucene.analysis.ngram.EdgeNGramTokenFilter;
import org.elasticsearch.plugin.NamedComponent;
import org.elasticsearch.plugin.analysis.AnalysisMode;
import org.elasticsearch.plugin.analysis.TokenFilterFactory;

/**
 * Prefixes of 2 to 20 characters of each token, for type-ahead matching at index time
 * ("boo", "book", ...). Index time only: the query side keeps whole words.
 */
@NamedComponent("shop_edge_ngram")
public class EdgeNGramFilterFactory implements TokenFilterFactory {
    @Override
    public TokenStream create(TokenStream in) {
        return new EdgeNGramTokenFilter(in, 2, 20, true);
    }

    @Override
    public AnalysisMode getAnalysisMode() {
        return AnalysisMode.INDEX_TIME;
    }
}
