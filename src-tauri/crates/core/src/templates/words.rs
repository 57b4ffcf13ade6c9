//! A template's `command` as the words the engine runs: split the way a POSIX shell splits
//! a simple command (quotes and backslashes; no expansion, no operators).

/// The words of `text`. Unbalanced quotes and a trailing backslash are errors.
pub fn split_words(text: &str) -> Result<Vec<String>, String> {
    let mut words = Vec::new();
    let mut word = String::new();
    let mut in_word = false;
    let mut chars = text.chars();
    while let Some(c) = chars.next() {
        match c {
            c if c.is_whitespace() => {
                if in_word {
                    words.push(std::mem::take(&mut word));
                    in_word = false;
                }
            }
            '\'' => {
                in_word = true;
                loop {
                    match chars.next() {
                        Some('\'') => break,
                        Some(c) => word.push(c),
                        None => return Err("a single quote (') is not closed".into()),
                    }
                }
            }
            '"' => {
                in_word = true;
                loop {
                    match chars.next() {
                        Some('"') => break,
                        Some('\\') => match chars.next() {
                            Some(c @ ('"' | '\\' | '$' | '`')) => word.push(c),
                            Some('\n') => {}
                            Some(c) => {
                                word.push('\\');
                                word.push(c);
                            }
                            None => return Err("a double quote (\") is not closed".into()),
                        },
                        Some(c) => word.push(c),
                        None => return Err("a double quote (\") is not closed".into()),
                    }
                }
            }
            '\\' => match chars.next() {
                Some('\n') => {}
                Some(c) => {
                    in_word = true;
                    word.push(c);
                }
                None => return Err("the command ends with a lone backslash".into()),
            },
            c => {
                in_word = true;
                word.push(c);
            }
        }
    }
    if in_word {
        words.push(word);
    }
    Ok(words)
}

#[cfg(test)]
mod tests {
    use proptest::prelude::*;

    use super::*;
    use crate::templates::shell_quote;

    #[test]
    fn splits_like_a_shell() {
        assert_eq!(
            split_words(r#"nginx -g 'daemon off;' "a \"b\"" c\ d ''"#).unwrap_or_default(),
            ["nginx", "-g", "daemon off;", "a \"b\"", "c d", ""]
        );
        assert!(split_words("echo 'open").is_err());
        assert!(split_words("echo \"open").is_err());
        assert!(split_words("echo \\").is_err());
        assert_eq!(split_words("  ").unwrap_or_default(), Vec::<String>::new());
    }

    proptest! {
        #[test]
        fn quoted_words_split_back(words in proptest::collection::vec(".{0,12}", 0..6)) {
            let line = words.iter().map(|w| shell_quote(w)).collect::<Vec<_>>().join(" ");
            prop_assert_eq!(split_words(&line), Ok(words));
        }
    }
}
