package twilio

import "strings"

// countryLang maps countries where the bot's languages dominate to that
// language. Bilingual or mixed countries (CA, BE, CH, the US) are
// left out: a wrong hint is worse than none.
var countryLang = map[string]string{
	"ES": "es", "MX": "es", "AR": "es", "CO": "es", "CL": "es", "PE": "es", "VE": "es",
	"EC": "es", "GT": "es", "CU": "es", "BO": "es", "DO": "es", "HN": "es", "PY": "es",
	"SV": "es", "NI": "es", "CR": "es", "PA": "es", "UY": "es", "PR": "es",
	"FR": "fr", "MC": "fr", "SN": "fr", "CI": "fr", "ML": "fr", "BF": "fr", "NE": "fr",
	"GB": "en", "IE": "en", "AU": "en", "NZ": "en",
}

// callingCodes maps E.164 country calling codes to countries, for WhatsApp,
// whose webhook carries no FromCountry. +1 is shared (US, CA…) and left out.
var callingCodes = map[string]string{
	"34": "ES", "52": "MX", "54": "AR", "57": "CO", "56": "CL", "51": "PE", "58": "VE",
	"593": "EC", "502": "GT", "53": "CU", "591": "BO", "504": "HN", "595": "PY",
	"503": "SV", "505": "NI", "506": "CR", "507": "PA", "598": "UY",
	"33": "FR", "377": "MC", "221": "SN", "225": "CI", "223": "ML", "226": "BF", "227": "NE",
	"44": "GB", "353": "IE", "61": "AU", "64": "NZ",
}

// locale derives a locale hint such as "es-MX" from Twilio's FromCountry or,
// failing that, from the sender's calling code. "" when unknown.
func locale(fromCountry, from string) string {
	cc := strings.ToUpper(strings.TrimSpace(fromCountry))
	if cc == "" {
		num := strings.TrimPrefix(strings.TrimPrefix(from, whatsappPrefix), "+")
		for _, n := range []int{3, 2} {
			if len(num) > n {
				if c, ok := callingCodes[num[:n]]; ok {
					cc = c
					break
				}
			}
		}
	}
	if l, ok := countryLang[cc]; ok {
		return l + "-" + cc
	}
	return ""
}
