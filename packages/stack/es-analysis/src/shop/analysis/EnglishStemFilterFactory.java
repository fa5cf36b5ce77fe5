package shop.analysis;

import org.apache.lucene.analysis.TokenStream;
import org.apache.lucene.analysis.en.EnglishPossessiveFilter;
import org.apache.lucene.analysis.en.KStemFilter;
import org.elasticsearch.plugin.NamedComponent;
import org.elasticsearch.plugin.analysis.TokenFilterFactory;

/**
 * Light English stemming (possessive "'s" removed, then KStem: "bookcases" -> "bookcase",
 * "running" -> "run"). KStem rather than Porter because product words stay readable and a
 * shopper's "chairs" must not collapse onto unrelated stems. Expects lowercased tokens.
 */
@NamedComponent("shop_english_stem")
public class EnglishStemFilterFactory implements TokenFilterFactory {
    @Override
    public TokenStream create(TokenStream in) {
        return new KStemFilter(new EnglishPossessiveFilter(in));
    }
}
