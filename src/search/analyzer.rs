//! The tantivy side of the analyzer: [`crate::text::analyze`] wrapped as a tokenizer, so
//! the index and every query cut text exactly as the rest of the crate does (the index
//! also gets the stacked forms of [`tokenize_for_index`]).

use tantivy::tokenizer::{Token, TokenStream, Tokenizer};

use crate::text::analyze::{Tokens, tokenize_for_index};

/// Name under which [`HelpTokenizer`] is registered on every opened index.
pub const TOKENIZER_NAME: &str = "helpcenter";

/// The tantivy tokenizer wrapping [`tokenize_for_index`].
#[derive(Clone, Default)]
pub struct HelpTokenizer;

/// Token stream over pre-cut tokens; reuses one token buffer.
pub struct HelpTokenStream {
    tokens: Tokens,
    next: usize,
    position: usize,
    token: Token,
}

impl Tokenizer for HelpTokenizer {
    type TokenStream<'a> = HelpTokenStream;

    fn token_stream<'a>(&'a mut self, text: &'a str) -> HelpTokenStream {
        HelpTokenStream { tokens: tokenize_for_index(text), next: 0, position: 0, token: Token::default() }
    }
}

impl TokenStream for HelpTokenStream {
    fn advance(&mut self) -> bool {
        let Some((text, from, to)) = self.tokens.get(self.next) else {
            return false;
        };
        self.token.text.clear();
        self.token.text.push_str(text);
        self.token.offset_from = from;
        self.token.offset_to = to;
        if self.next > 0 && !self.tokens.stacked(self.next) {
            self.position += 1;
        }
        self.token.position = self.position;
        self.token.position_length = 1;
        self.next += 1;
        true
    }

    fn token(&self) -> &Token {
        &self.token
    }

    fn token_mut(&mut self) -> &mut Token {
        &mut self.token
    }
}
