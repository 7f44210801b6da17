"""Word lists for finding person names: known first names, and the words that look like names.

``FIRST_NAMES`` (lower case) are common given names in the UK, US, Germany, France, Spain and of the
customers these markets serve; ``WORD_NAMES`` are those that are ordinary words too ("rose", "mark"),
``THINGS`` the words that make such a name a product ("rose gold"), and ``SURNAMES_ING_ED`` the names
that end like a verb form ("King", "Fleming", "Ahmed"). Used by ``nlp.pii_names`` and
``nlp.pii_answers``.
"""

from __future__ import annotations


def _words(text: str) -> list[str]:
    return text.split()


# "jack o brien", "sean mc donald": spoken surname prefixes, joined to the next word
SPOKEN_PREFIXES = frozenset({"o", "mc", "mac", "van", "von", "de", "le", "la", "da", "di", "del", "du"})


# First names that are ordinary words too, and the words that make them a product after a weak
# trigger ("its rose gold").
WORD_NAMES = frozenset(
    _words(
        """
        rose grace amber ruby jack max bill mark hope faith joy iris ivy lily hazel holly dawn summer
        april may june will pat sue bob frank rob robin sandy jade penny crystal olive destiny
        """
    )
)
THINGS = frozenset(
    _words(
        """
        gold silver pink red white black blue green cream petal petals water wine quartz print pattern
        colour color oil tea garden bouquet bush lace velvet size sizes edition version model one ones
        pro plus mini
        """
    )
)


SURNAMES_ING_ED = frozenset(
    _words(
        """
        fleming manning browning golding harding channing cumming pickering kipling spalding stebbing
        hastings ahmed mohammed muhammed mahmoud alfred reed creed
        """
    )
)


# Common given names in the UK, US, Germany and France (lower case), for triggers whose context alone
# is too weak ("this is sarah" in a call, "Sarah here").
FIRST_NAMES = frozenset(
    _words(
        """
        aaron abdul abigail adam adrian ahmed aisha alan albert alex alexander alexandra alice
        alicia ali alison amanda amber amelia amy ana andrea andreas andrew andy angela anna anne
        annie anthony antoine anton arthur ashley aurelie barbara ben benjamin bernard beth bethany
        bill bob brandon brian bruno camille carl carla carlos carol caroline catherine charles
        charlie charlotte chloe chris christian christina christine christopher claire clara claude
        daniel danielle darren david deborah debbie dennis diana diane dominic donna dorothy douglas
        dylan edward eleanor elena elizabeth ella ellie emily emma eric erik esther ethan eva eve
        fatima felix fiona florian francesca francis frank franz frederic freya gabriel gary gemma
        george georgia gerald gillian grace graham greg gregory hannah harry heather heinz helen
        helga henry holly ian imogen isaac isabel isabella isabelle jack jackie jacob jacqueline
        jake james jamie jan jane janet jason jean jeff jeffrey jennifer jenny jeremy jessica jill
        jo joan joanna joe john jonathan jordan jose joseph josh joshua jude judith julia julian
        julie justin juergen jurgen karen karl kate katherine kathleen katie kay keith kelly ken
        kevin kim kirsty klaus laura lauren leah lee leo leon lewis liam linda lisa liz lois louis
        louise lucas lucy luis luke lukas maria marie mark martin mary mathieu matt matthew max
        megan melanie mia michael michelle mike mohammed mohammad muhammad monika nadia naomi
        natalie nathan nicholas nick nicola nicole niamh noah nora oliver olivia omar oscar owen
        pamela patricia patrick paul paula peter petra philip philippe phoebe pierre priya rachel
        raj rebecca richard rita rob robert robin rose ross ruby ruth ryan sabine sally sam samantha
        samuel sandra sara sarah scott sean sebastian sharon shaun simon sophie sophia stefan
        stephanie stephen steve steven stuart susan suzanne tanja tara teresa thomas tim timothy
        tina tobias tom tony tracy ursula valerie vanessa victoria vincent wayne wendy william
        wolfgang yasmin yusuf zoe zara kwame andre hugo isla madison diego tyrone katharina niklas
        matthias jonas brittany ruben rubén lily imran romain maximilian jules marcus adrian adrián
        ines inès jorge aylin quentin javier cristina irene ava alexis maría chloé sofía sofia
        oceane océane léa lea amelie amélie manon lucie hélène thibault baptiste théo theo enzo
        nathalie sylvie pablo alejandro lucía lucia carmen pilar javi sergio marta raúl raul alvaro
        álvaro manuel antonio francisco miguel elena jürgen jorg jörg dirk uwe jens sven kai finn
        mehmet emre elif leonie jana lena hanna mila ben noah elias paul felix jan moritz marie
        sophie johanna greta lina emilia keisha jamal darnell deshawn latoya shanice malik aaliyah
        jayden brianna destiny hailey kayla tyler austin kyle cody dylan logan mason ethan aiden
        jackson carter wyatt hunter connor riley zoe chloe mia olivia harper evelyn abigail emily
        ella avery scarlett layla nora zoey hazel aurora amira hassan ali fatima yasmin omar layla
        mohamed ibrahim kofi ama abena kemi tunde arjun rohan vikram anjali deepa sanjay ravi sunita
        kiran neha rahul amit pooja
        franziska julia katrin stefanie anja birgit claudia nicole kerstin ute heike susanne carsten
        thorsten markus stefan andreas christian timo nils lars wei li ming chen mei hiroshi yuki kenji sakura
        dieter margaret dorothea henrietta margery winifred marguerite philippa cosima ingeborg thaddeus
        oluwaseun bartholomew gwendolyn beatrice agatha mildred edith ethel gladys muriel doris norah
        maureen brenda gillian josephine rosemary prudence clementine florence harriet hermione imelda
        bernadette siobhan aoife saoirse ciara niall eoin padraig seamus declan fergus hamish alasdair
        morag kirsteen rhiannon bronwen dafydd gareth iwan cerys anneliese ingrid gudrun siegfried
        rüdiger hans-peter jean-pierre jean-luc jean-paul anne-marie anne-sophie marie-claire
        françois francois geneviève genevieve ségolène solène gaëlle yannick lorenzo giuseppe giovanna
        alessandro francesca chiara matteo federico beatriz inmaculada montserrat rocío consuelo
        joaquín guillermo ignacio gonzalo nkechi chiamaka adebayo olumide babajide temitope oluwadamilare
        siddharth aishwarya lakshmi venkatesh srinivas padma meenakshi thanh nguyet huong xiaoming
        """
    )
)
