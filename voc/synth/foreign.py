"""Contacts written in the market's own language (German, French, Spanish), hand-written phrases.

A small share of the contacts in DE, FR and ES are not in English: the customer writes to the
marketplace in their own language. :func:`foreign_text` writes one such contact for a root cause
in a channel's format (chat and call turns, an e-mail, a review, an in-app reason), from the phrase
tables below. The tables hold a few dozen customer sentences per language, for the causes that
customers most often write about; a case about another cause stays in English. No personal data
is planted in these texts (the ground truth's ``pii`` has no row for them).
"""

from __future__ import annotations

import random

# Market -> ISO 639-1 code of the language its foreign-language contacts are written in.
MARKET_LANGUAGE = {"DE": "de", "FR": "fr", "ES": "es"}

# cause -> language -> what the customer says about it (each a sentence or two).
SITUATIONS: dict[str, dict[str, tuple[str, ...]]] = {
    "shipping_delay": {
        "de": (
            "Meine Bestellung sollte schon letzte Woche ankommen und ist immer noch nicht da.",
            "Das Paket hängt seit Tagen im Verteilzentrum fest, die Sendungsverfolgung ändert sich nicht.",
            "Die Lieferung ist jetzt schon zehn Tage überfällig.",
        ),
        "fr": (
            "Ma commande devait arriver la semaine dernière et je ne l'ai toujours pas reçue.",
            "Le colis est bloqué au centre de tri depuis plusieurs jours, le suivi ne bouge plus.",
            "La livraison a maintenant dix jours de retard.",
        ),
        "es": (
            "Mi pedido tenía que llegar la semana pasada y todavía no ha llegado.",
            "El paquete lleva días parado en el centro de distribución y el seguimiento no cambia.",
            "El envío ya lleva diez días de retraso.",
        ),
    },
    "lost_parcel": {
        "de": (
            "Laut Sendungsverfolgung wurde das Paket zugestellt, aber ich habe nichts bekommen.",
            "Mein Paket ist verloren gegangen, der Paketdienst findet es nicht mehr.",
            "Bei den Nachbarn ist auch nichts abgegeben worden.",
        ),
        "fr": (
            "Le suivi indique que le colis a été livré mais je n'ai rien reçu.",
            "Mon colis a été perdu, le transporteur ne le retrouve plus.",
            "Rien n'a été déposé chez les voisins non plus.",
        ),
        "es": (
            "El seguimiento dice que el paquete fue entregado pero yo no he recibido nada.",
            "Mi paquete se ha perdido, la empresa de transporte no lo encuentra.",
            "Tampoco lo han dejado con los vecinos.",
        ),
    },
    "damaged_in_transit": {
        "de": (
            "Das Paket kam völlig zerdrückt an und der Inhalt ist kaputt.",
            "Der Karton war aufgerissen und das Glas ist zerbrochen.",
            "Die Ware ist beim Transport beschädigt worden, man sieht deutliche Dellen.",
        ),
        "fr": (
            "Le colis est arrivé complètement écrasé et le contenu est cassé.",
            "Le carton était déchiré et le verre est brisé.",
            "L'article a été abîmé pendant le transport, il y a des bosses partout.",
        ),
        "es": (
            "El paquete llegó totalmente aplastado y lo de dentro está roto.",
            "La caja venía rota y el cristal está hecho pedazos.",
            "El artículo se dañó durante el transporte, tiene golpes por todas partes.",
        ),
    },
    "wrong_size_fit": {
        "de": (
            "Die Jacke ist viel zu klein, obwohl ich meine normale Größe bestellt habe.",
            "Die Schuhe fallen eine Nummer größer aus als angegeben.",
            "Die Hose passt überhaupt nicht, sie ist an der Taille viel zu eng.",
        ),
        "fr": (
            "La veste est beaucoup trop petite alors que j'ai commandé ma taille habituelle.",
            "Les chaussures taillent une pointure au-dessus de ce qui est indiqué.",
            "Le pantalon ne me va pas du tout, il est bien trop serré à la taille.",
        ),
        "es": (
            "La chaqueta me queda pequeñísima aunque pedí mi talla de siempre.",
            "Las zapatillas son un número más grande de lo que pone.",
            "El pantalón no me queda nada bien, me aprieta muchísimo en la cintura.",
        ),
    },
    "defective": {
        "de": (
            "Das Gerät lässt sich nicht einschalten, es ist von Anfang an defekt.",
            "Nach zwei Tagen funktioniert der Akku nicht mehr.",
            "Der Mixer macht komische Geräusche und geht dann einfach aus.",
        ),
        "fr": (
            "L'appareil ne s'allume pas, il est défectueux depuis le début.",
            "Au bout de deux jours la batterie ne fonctionne plus.",
            "Le mixeur fait un bruit bizarre et puis il s'arrête tout seul.",
        ),
        "es": (
            "El aparato no se enciende, viene defectuoso desde el principio.",
            "A los dos días la batería ya no funciona.",
            "La batidora hace un ruido raro y luego se apaga sola.",
        ),
    },
    "wrong_item": {
        "de": (
            "Ich habe einen ganz anderen Artikel bekommen als den, den ich bestellt habe.",
            "Im Paket war ein blauer Pullover statt der schwarzen Jeans.",
            "Das ist nicht mein Artikel, jemand hat die Bestellung vertauscht.",
        ),
        "fr": (
            "J'ai reçu un article complètement différent de celui que j'ai commandé.",
            "Dans le colis il y avait un pull bleu au lieu du jean noir.",
            "Ce n'est pas mon article, quelqu'un a inversé les commandes.",
        ),
        "es": (
            "Me ha llegado un artículo totalmente distinto al que pedí.",
            "En el paquete venía un jersey azul en lugar de los vaqueros negros.",
            "Este no es mi artículo, se han equivocado con el pedido.",
        ),
    },
    "refund_not_received": {
        "de": (
            "Ich habe die Ware vor drei Wochen zurückgeschickt und noch immer kein Geld erhalten.",
            "Die Rückerstattung wurde bestätigt, aber auf meinem Konto ist nichts angekommen.",
            "Wann bekomme ich endlich mein Geld zurück?",
        ),
        "fr": (
            "J'ai renvoyé l'article il y a trois semaines et je n'ai toujours pas été remboursé.",
            "Le remboursement a été confirmé mais rien n'est arrivé sur mon compte.",
            "Quand est-ce que je vais enfin récupérer mon argent ?",
        ),
        "es": (
            "Devolví el artículo hace tres semanas y todavía no me han devuelto el dinero.",
            "Me confirmaron el reembolso pero en mi cuenta no ha entrado nada.",
            "¿Cuándo me van a devolver por fin mi dinero?",
        ),
    },
    "return_label_problem": {
        "de": (
            "Ich kann das Rücksendeetikett nicht herunterladen, die Seite zeigt nur einen Fehler.",
            "Das Etikett für die Rücksendung ist nie per E-Mail gekommen.",
            "Der Code auf dem Rücksendeschein wird in der Filiale nicht akzeptiert.",
        ),
        "fr": (
            "Je n'arrive pas à télécharger l'étiquette de retour, la page affiche une erreur.",
            "Je n'ai jamais reçu l'étiquette de retour par e-mail.",
            "Le code du bon de retour est refusé au point relais.",
        ),
        "es": (
            "No puedo descargar la etiqueta de devolución, la página solo da error.",
            "Nunca me llegó por correo la etiqueta para la devolución.",
            "En la oficina no aceptan el código de la etiqueta de devolución.",
        ),
    },
    "changed_mind": {
        "de": (
            "Ich möchte meine Bestellung stornieren, ich brauche den Artikel doch nicht mehr.",
            "Ich habe es mir anders überlegt und möchte die Bestellung zurückziehen.",
            "Bitte stornieren Sie meine Bestellung, sie ist noch nicht verschickt.",
        ),
        "fr": (
            "Je voudrais annuler ma commande, finalement je n'en ai plus besoin.",
            "J'ai changé d'avis et je souhaite annuler la commande.",
            "Merci d'annuler ma commande, elle n'est pas encore expédiée.",
        ),
        "es": (
            "Quiero cancelar mi pedido, al final ya no lo necesito.",
            "He cambiado de opinión y quiero anular el pedido.",
            "Por favor cancelen mi pedido, todavía no lo han enviado.",
        ),
    },
    "charged_twice": {
        "de": (
            "Mir wurde der Betrag zweimal von der Kreditkarte abgebucht.",
            "Ich sehe zwei identische Abbuchungen für dieselbe Bestellung auf meinem Konto.",
            "Sie haben mir die Bestellung doppelt berechnet.",
        ),
        "fr": (
            "Le montant a été débité deux fois sur ma carte bancaire.",
            "Je vois deux prélèvements identiques pour la même commande sur mon compte.",
            "Vous m'avez facturé la commande deux fois.",
        ),
        "es": (
            "Me han cobrado el importe dos veces en la tarjeta.",
            "Veo dos cargos iguales por el mismo pedido en mi cuenta.",
            "Me han cobrado el pedido por duplicado.",
        ),
    },
}

ASKS: dict[str, tuple[str, ...]] = {
    "de": (
        "Bitte kümmern Sie sich schnell darum.",
        "Was können Sie da machen?",
        "Ich erwarte eine Lösung.",
        "Können Sie mir bitte helfen?",
    ),
    "fr": (
        "Merci de régler ça rapidement.",
        "Qu'est-ce que vous pouvez faire ?",
        "J'attends une solution.",
        "Pouvez-vous m'aider s'il vous plaît ?",
    ),
    "es": (
        "Por favor, solucionadlo cuanto antes.",
        "¿Qué pueden hacer al respecto?",
        "Espero una solución.",
        "¿Me pueden ayudar, por favor?",
    ),
}
GREETINGS = {"de": ("Hallo,", "Guten Tag,"), "fr": ("Bonjour,", "Bonsoir,"), "es": ("Hola,", "Buenas,")}
SIGN_OFFS = {"de": "Viele Grüße", "fr": "Cordialement", "es": "Un saludo"}
TITLES = {
    "de": ("Sehr enttäuscht", "Nie wieder", "Ärgerlich"),
    "fr": ("Très déçu", "Plus jamais", "Décevant"),
    "es": ("Muy decepcionado", "Nunca más", "Una pena"),
}
AGENT_REPLIES = {
    "de": "Das tut mir leid, ich schaue mir das sofort an.",
    "fr": "Je suis désolé, je regarde tout de suite.",
    "es": "Lo siento mucho, lo reviso ahora mismo.",
}


def foreign_text(cause: str, language: str, channel: str, rating: int, rng: random.Random) -> str | None:
    """Text of one contact about ``cause`` in ``language`` and ``channel``; None without phrases.

    The formats follow the English channels (see the README's "Channel text formats"): chat
    ``Customer:``/``Agent:`` turns, call transcripts in lower case without punctuation, an
    e-mail with a greeting and sign-off, a review with a rating and title, an app reason.
    """
    phrases = SITUATIONS.get(cause, {}).get(language)
    if not phrases:
        return None
    said = rng.sample(phrases, k=rng.choice([1, 2]))
    ask = rng.choice(ASKS[language])
    if channel == "chat":
        rest = " ".join([*said[1:], ask])
        return f"Customer: {said[0]}\nAgent: {AGENT_REPLIES[language]}\nCustomer: {rest}"
    if channel == "call":
        return f"agent: {_spoken(AGENT_REPLIES[language])}\ncustomer: {_spoken(' '.join([*said, ask]))}"
    if channel == "email":
        return f"{rng.choice(GREETINGS[language])}\n\n{' '.join([*said, ask])}\n\n{SIGN_OFFS[language]}"
    if channel == "review":
        return f"Rating: {rating}/5\n{rng.choice(TITLES[language])}\n{' '.join(said)}"
    return f"Reason: {said[0]}"


def _spoken(text: str) -> str:
    """As a speech recogniser writes it: lower case, no punctuation."""
    return " ".join("".join(ch if ch.isalnum() else " " for ch in text.lower()).split())
