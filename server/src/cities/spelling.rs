//! How typed letters meet the dictionary's names: case, `ё`/`е` and spacing do not matter, and a
//! name typed in Latin letters (`moskva`, `Sankt-Peterburg`) finds the Cyrillic one.

/// The form names are compared in: lower case, `ё` as `е`, single spaces, trimmed.
pub fn folded(text: &str) -> String {
    text.split_whitespace()
        .collect::<Vec<_>>()
        .join(" ")
        .to_lowercase()
        .replace('ё', "е")
}

/// Whether a search is typed in Latin letters (then it is compared with transliterated names).
pub fn is_latin(folded: &str) -> bool {
    folded.chars().any(|c| c.is_ascii_alphabetic())
}

/// A folded name in Latin letters, spelled loosely enough that the usual ways of transliterating
/// Russian meet: `й`, `ы` and `j` are `y`, `iy` and `yy` shrink, `kh` is `h`, a leading `ye` is `e`.
pub fn latin(folded: &str) -> String {
    let mut spelled = String::with_capacity(folded.len());
    let mut same = [0_u8; 4];
    for c in folded.chars() {
        spelled.push_str(match c {
            'а' => "a",
            'б' => "b",
            'в' | 'w' => "v",
            'г' => "g",
            'д' => "d",
            'е' | 'э' => "e",
            'ж' => "zh",
            'з' => "z",
            'и' => "i",
            'й' | 'ы' | 'j' => "y",
            'к' => "k",
            'л' => "l",
            'м' => "m",
            'н' => "n",
            'о' => "o",
            'п' => "p",
            'р' => "r",
            'с' => "s",
            'т' => "t",
            'у' => "u",
            'ф' => "f",
            'х' => "h",
            'ц' => "ts",
            'ч' => "ch",
            'ш' => "sh",
            'щ' => "shch",
            'ъ' | 'ь' => "",
            'ю' => "yu",
            'я' => "ya",
            'x' => "ks",
            other => other.encode_utf8(&mut same),
        });
    }
    let spelled = spelled
        .replace("kh", "h")
        .replace("iy", "i")
        .replace("yy", "y");
    spelled
        .split(' ')
        .map(|word| {
            word.strip_prefix("ye")
                .map_or(word.to_owned(), |rest| format!("e{rest}"))
        })
        .collect::<Vec<_>>()
        .join(" ")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn case_yo_and_spacing_do_not_matter() {
        assert_eq!(folded("  Орёл "), "орел");
        assert_eq!(folded("НИЖНИЙ   новгород"), "нижний новгород");
    }

    #[test]
    fn the_usual_latin_spellings_meet_the_cyrillic_names() {
        let name = |cyrillic: &str| latin(&folded(cyrillic));
        let typed = |text: &str| latin(&folded(text));
        assert_eq!(name("Москва"), typed("Moskva"));
        assert_eq!(name("Санкт-Петербург"), typed("sankt-peterburg"));
        assert_eq!(name("Нижний Новгород"), typed("Nizhniy Novgorod"));
        assert_eq!(name("Нижний Новгород"), typed("nizhnij novgorod"));
        assert_eq!(name("Екатеринбург"), typed("Yekaterinburg"));
        assert_eq!(name("Хабаровск"), typed("Khabarovsk"));
        assert_eq!(name("Чебоксары"), typed("cheboksary"));
        assert!(is_latin("moskva") && !is_latin("москва"));
    }
}
