package dev.shopgraph.testservices.elasticsearch.module;

import java.util.Map;

import org.apache.lucene.analysis.LowerCaseFilter;
import org.apache.lucene.analysis.TokenStream;
import org.apache.lucene.analysis.Tokenizer;
import org.apache.lucene.analysis.core.KeywordTokenizer;
import org.apache.lucene.analysis.core.WhitespaceTokenizer;
import org.apache.lucene.analysis.en.PorterStemFilter;
import org.apache.lucene.analysis.miscellaneous.ASCIIFoldingFilter;
import org.apache.lucene.analysis.ngram.EdgeNGramTokenFilter;
import org.apache.lucene.analysis.ngram.EdgeNGramTokenizer;
import org.elasticsearch.index.analysis.AbstractTokenFilterFactory;
import org.elasticsearch.index.analysis.AbstractTokenizerFactory;
import org.elasticsearch.index.analysis.TokenFilterFactory;
import org.elasticsearch.index.analysis.TokenizerFactory;
import org.elasticsearch.indices.analysis.AnalysisModule.AnalysisProvider;

/**
 * The common analysis components product search needs, from Lucene's analysis library.
 *
 * <p>A full Elasticsearch distribution ships them in its analysis-common module, which is not
 * published to Maven Central; these take the same names and the same basic parameters.
 */
final class AnalysisComponents {
    private AnalysisComponents() {}

    static Map<String, AnalysisProvider<TokenFilterFactory>> tokenFilters() {
        return Map.of(
            "lowercase", (index, env, name, settings) -> filter(name, settings, LowerCaseFilter::new),
            "asciifolding", (index, env, name, settings) -> filter(name, settings, ASCIIFoldingFilter::new),
            "porter_stem", (index, env, name, settings) -> filter(name, settings, PorterStemFilter::new),
            "edge_ngram", (index, env, name, settings) -> {
                int min = settings.getAsInt("min_gram", 1);
                int max = settings.getAsInt("max_gram", 2);
                return filter(name, settings, in -> new EdgeNGramTokenFilter(in, min, max, false));
            });
    }

    static Map<String, AnalysisProvider<TokenizerFactory>> tokenizers() {
        return Map.of(
            "whitespace", (index, env, name, settings) -> tokenizer(index, name, settings, WhitespaceTokenizer::new),
            "keyword", (index, env, name, settings) -> tokenizer(index, name, settings, KeywordTokenizer::new),
            "edge_ngram", (index, env, name, settings) -> {
                int min = settings.getAsInt("min_gram", 1);
                int max = settings.getAsInt("max_gram", 2);
                return tokenizer(index, name, settings, () -> new EdgeNGramTokenizer(min, max));
            });
    }

    private interface Wrap {
        TokenStream apply(TokenStream input);
    }

    private interface Make {
        Tokenizer get();
    }

    private static TokenFilterFactory filter(String name, org.elasticsearch.common.settings.Settings settings, Wrap wrap) {
        return new AbstractTokenFilterFactory(name, settings) {
            @Override
            public TokenStream create(TokenStream tokenStream) {
                return wrap.apply(tokenStream);
            }
        };
    }

    private static TokenizerFactory tokenizer(
        org.elasticsearch.index.IndexSettings index, String name, org.elasticsearch.common.settings.Settings settings, Make make) {
        return new AbstractTokenizerFactory(index, settings, name) {
            @Override
            public Tokenizer create() {
                return make.get();
            }
        };
    }
}
