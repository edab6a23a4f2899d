package intents

import "github.com/hexfit/supportbot/bot"

// functionWords are common words of each language, written as people type
// them (accents optional: they are normalized away). They give the language
// detector evidence beyond the training phrases' own vocabulary.
var functionWords = map[bot.Lang]string{
	bot.LangES: `el la los las un una unos unas y o pero de del al a en con por para sin sobre
		que qué cual cuál quien como cómo cuando cuándo donde dónde porque por qué
		yo tu tú usted ustedes nosotros ellos ella él me te se nos les lo le mi mis su sus
		es son está están estoy estás esta este esto eso ese esa hay fue era ser estar
		tengo tiene tienen tienes puedo puede pueden quiero quisiera necesito sé sabe
		no sí si ya muy más menos también tampoco todavía aún nunca siempre cada vez
		hola buenas buenos días tardes noches gracias favor ayuda ayúdame oye
		mucho muchas poco nada algo alguien nadie otro otra hace hacer dice dijo
		ahora hoy ayer mañana bien mal aquí allí entonces pues bueno vale`,
	bot.LangFR: `le la les un une des du de d l j n c s qu et ou mais en dans avec pour par sans sur
		que quoi quel quelle quels comment quand où pourquoi qui
		je tu il elle on nous vous ils elles me te se moi toi lui leur mon ma mes ton ta tes son sa ses notre votre
		est sont suis es êtes sommes ai as avons avez ont a été être avoir fait faire
		peux peut pouvez veux voudrais veut dois doit faut sais sait
		ne pas plus jamais toujours rien personne déjà encore aussi très trop chaque fois
		bonjour bonsoir salut merci svp plaît aide aidez oui non
		ça ce cet cette ces cela ceci voici voilà là ici maintenant aujourd hui hier demain bien mal alors donc`,
	bot.LangEN: `the a an and or but of to in on at for with without from by about into
		what which who whom how when where why whose
		i you he she it we they me him her us them my your his its our their mine
		is are am was were be been being do does did done have has had having
		can could cannot can't will would should shall may might must need want
		not no yes yeah don't doesn't didn't isn't won't haven't i'm it's
		hello hi hey thanks thank please help
		this that these those there here now today yesterday tomorrow well still again every time anymore`,
}
