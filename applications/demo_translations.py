"""Translations of the demo calls' texts (seed_demo): the open calls DREAM-OC2-2026 and
RECENTRE-2026 in French, Italian and Romanian, DESIRE-2026 in Romanian and Bulgarian, and the
shared evaluation criteria in French, Italian, Romanian and Bulgarian.

Data only. ``CALL_TEXTS[reference][language]`` holds the call's title, summary, description and
eligibility summary, and its vouchers and documents keyed by their English names in
``applications.demo_data``; ``CRITERIA`` is keyed by the English criterion name. Terminology
follows the portal's glossaries (locale/*/GLOSSARY.md) and the names of EU programmes and acts as
the EU publishes them in each language. French text uses no-break spaces (U+00A0) before ":" and
";" and in amounts ("60 000 EUR"); amounts elsewhere follow the portal's translations ("EUR 60.000"
in Italian and Romanian).
"""

CALL_TEXTS = {
    "DREAM-OC2-2026": {
        "fr": {
            "title": (
                "Chèques d'innovation DREAM – technologie numérique pour l'industrie "
                "manufacturière (date limite 2)"
            ),
            "summary": (
                "Chèques destinés aux PME manufacturières qui intègrent une solution numérique "
                "(IdO, IA, données, robotique, jumeaux numériques) dans leur production, assortis "
                "d'un conseil en internationalisation pour les PME financées."
            ),
            "description": (
                "DREAM finance, sur deux dates limites, 35 projets d'innovation qui transfèrent "
                "des technologies de l'écosystème numérique vers l'industrie manufacturière, en "
                "mettant l'accent sur la gestion efficace des ressources. Cette deuxième date "
                "limite finance 25 chèques d'innovation.\n\n"
                "Les PME financées par un chèque d'innovation peuvent également demander un "
                "chèque de conseil en internationalisation afin de préparer, avec un expert, leur "
                "entrée sur un nouveau marché."
            ),
            "eligibility_summary": (
                "PME légalement établies dans un État membre de l'UE ou dans un pays associé au "
                "programme pour le marché unique, actives dans l'industrie manufacturière ou "
                "fournissant des solutions numériques aux entreprises manufacturières. Les "
                "partenaires du consortium DREAM ne peuvent pas présenter de candidature. Une "
                "seule candidature par PME ; au maximum 60 000 EUR de soutien par PME pour "
                "l'ensemble des appels des Euroclusters."
            ),
            "vouchers": {
                "Innovation voucher": {
                    "name": "Chèque d'innovation",
                    "description": (
                        "Un projet de déploiement d'une solution numérique dans un contexte de "
                        "production manufacturière."
                    ),
                },
                "Internationalisation consultancy voucher": {
                    "name": "Chèque de conseil en internationalisation",
                    "description": (
                        "Conseil d'expert pour l'entrée sur un nouveau marché, destiné aux PME "
                        "financées par un chèque d'innovation DREAM."
                    ),
                },
            },
            "documents": {
                "Signed declaration of honour (PDF)": {
                    "name": "Déclaration sur l'honneur signée (PDF)",
                    "description": (
                        "La déclaration sur l'honneur de l'appel, datée et signée par le "
                        "représentant légal."
                    ),
                },
                "SME self-declaration": {
                    "name": "Autodéclaration de PME",
                    "description": (
                        "L'autodéclaration de PME (recommandation 2003/361/CE), signée."
                    ),
                },
                "Offer of the technology provider": {
                    "name": "Offre du fournisseur de technologie",
                    "description": (
                        "Le devis du fournisseur de la solution numérique, le cas échéant."
                    ),
                },
            },
        },
        "it": {
            "title": (
                "Voucher per l'innovazione DREAM – tecnologia digitale per il settore "
                "manifatturiero (scadenza 2)"
            ),
            "summary": (
                "Voucher per le PMI manifatturiere che introducono una soluzione digitale (IoT, "
                "IA, dati, robotica, gemelli digitali) nella propria produzione, con una "
                "consulenza per l'internazionalizzazione destinata alle PMI finanziate."
            ),
            "description": (
                "DREAM finanzia, nell'arco di due scadenze, 35 progetti di innovazione che "
                "trasferiscono tecnologia dall'ecosistema digitale al settore manifatturiero, con "
                "particolare attenzione alla gestione efficiente delle risorse. Questa seconda "
                "scadenza finanzia 25 voucher per l'innovazione.\n\n"
                "Le PMI finanziate con un voucher per l'innovazione possono inoltre richiedere un "
                "voucher di consulenza per l'internazionalizzazione, al fine di preparare con un "
                "esperto l'ingresso in un nuovo mercato."
            ),
            "eligibility_summary": (
                "PMI legalmente stabilite in uno Stato membro dell'UE o in un paese associato al "
                "programma per il mercato unico, attive nel settore manifatturiero o fornitrici "
                "di soluzioni digitali alle imprese manifatturiere. I partner del consorzio DREAM "
                "non possono presentare domanda. Una sola domanda per PMI; al massimo EUR 60.000 "
                "di sostegno per PMI nell'insieme dei bandi degli Eurocluster."
            ),
            "vouchers": {
                "Innovation voucher": {
                    "name": "Voucher per l'innovazione",
                    "description": (
                        "Un progetto che introduce una soluzione digitale in un contesto "
                        "manifatturiero."
                    ),
                },
                "Internationalisation consultancy voucher": {
                    "name": "Voucher di consulenza per l'internazionalizzazione",
                    "description": (
                        "Consulenza di un esperto per l'ingresso in un nuovo mercato, destinata "
                        "alle PMI finanziate con un voucher per l'innovazione DREAM."
                    ),
                },
            },
            "documents": {
                "Signed declaration of honour (PDF)": {
                    "name": "Dichiarazione sull'onore firmata (PDF)",
                    "description": (
                        "La dichiarazione sull'onore del bando, datata e firmata dal "
                        "rappresentante legale."
                    ),
                },
                "SME self-declaration": {
                    "name": "Autodichiarazione di PMI",
                    "description": (
                        "L'autodichiarazione di PMI (raccomandazione 2003/361/CE), firmata."
                    ),
                },
                "Offer of the technology provider": {
                    "name": "Offerta del fornitore di tecnologia",
                    "description": (
                        "Il preventivo del fornitore della soluzione digitale, se presente."
                    ),
                },
            },
        },
        "ro": {
            "title": (
                "Vouchere de inovare DREAM – tehnologie digitală pentru industria prelucrătoare "
                "(termenul-limită 2)"
            ),
            "summary": (
                "Vouchere pentru IMM-urile din industria prelucrătoare care introduc o soluție "
                "digitală (IoT, IA, date, robotică, gemeni digitali) în producția lor, cu "
                "servicii de consultanță pentru internaționalizare destinate IMM-urilor finanțate."
            ),
            "description": (
                "DREAM finanțează, pe parcursul a două termene-limită, 35 de proiecte de inovare "
                "care transferă tehnologie din ecosistemul digital în industria prelucrătoare, cu "
                "accent pe gestionarea eficientă a resurselor. Acest al doilea termen-limită "
                "finanțează 25 de vouchere de inovare.\n\n"
                "IMM-urile finanțate printr-un voucher de inovare pot solicita, de asemenea, un "
                "voucher de consultanță pentru internaționalizare, pentru a pregăti împreună cu "
                "un expert intrarea pe o piață nouă."
            ),
            "eligibility_summary": (
                "IMM-uri stabilite legal într-un stat membru al UE sau într-o țară asociată la "
                "Programul privind piața unică, active în industria prelucrătoare sau care "
                "furnizează soluții digitale întreprinderilor din industria prelucrătoare. "
                "Partenerii consorțiului DREAM nu pot depune cereri. O singură cerere pentru "
                "fiecare IMM; cel mult EUR 60.000 de sprijin pentru fiecare IMM, cumulat pentru "
                "toate apelurile Eurocluster."
            ),
            "vouchers": {
                "Innovation voucher": {
                    "name": "Voucher de inovare",
                    "description": (
                        "Un proiect care implementează o soluție digitală în contextul industriei "
                        "prelucrătoare."
                    ),
                },
                "Internationalisation consultancy voucher": {
                    "name": "Voucher de consultanță pentru internaționalizare",
                    "description": (
                        "Consultanță de specialitate privind intrarea pe o piață nouă, pentru "
                        "IMM-urile finanțate printr-un voucher de inovare DREAM."
                    ),
                },
            },
            "documents": {
                "Signed declaration of honour (PDF)": {
                    "name": "Declarație pe propria răspundere semnată (PDF)",
                    "description": (
                        "Declarația pe propria răspundere aferentă apelului, datată și semnată de "
                        "reprezentantul legal."
                    ),
                },
                "SME self-declaration": {
                    "name": "Declarație pe propria răspundere privind statutul de IMM",
                    "description": (
                        "Declarația pe propria răspundere privind statutul de IMM (Recomandarea "
                        "2003/361/CE), semnată."
                    ),
                },
                "Offer of the technology provider": {
                    "name": "Oferta furnizorului de tehnologie",
                    "description": (
                        "Oferta de preț a furnizorului soluției digitale, dacă este cazul."
                    ),
                },
            },
        },
    },
    "RECENTRE-2026": {
        "fr": {
            "title": "Chèques RE-CENTRE pour l'innovation collaborative et l'internationalisation",
            "summary": (
                "Chèques d'innovation pour environ 20 projets collaboratifs réunissant de 2 à 4 "
                "PME des secteurs de l'ameublement et de l'aménagement intérieur, des "
                "technologies de l'information et de l'énergie (1 040 000 EUR), et chèques "
                "d'internationalisation pour 40 PME prospectant les marchés du Mexique et du "
                "Chili (10 000 EUR)."
            ),
            "description": (
                "Les projets collaboratifs réunissent des PME d'au moins deux pays différents "
                "(et, idéalement, de deux des trois secteurs) autour d'une innovation numérique "
                "ou verte. Chaque projet reçoit jusqu'à 52 000 EUR, répartis entre ses PME.\n\n"
                "Les chèques d'internationalisation couvrent la participation d'une PME aux "
                "rencontres B2B organisées au Mexique et au Chili."
            ),
            "eligibility_summary": (
                "PME des secteurs de l'ameublement et de l'aménagement intérieur, des "
                "technologies de l'information ou de l'énergie, légalement établies dans un État "
                "membre de l'UE ou dans un pays associé au programme pour le marché unique. Les "
                "projets collaboratifs doivent réunir de 2 à 4 PME d'au moins 2 pays ; la PME "
                "chef de file présente la candidature pour l'ensemble des partenaires. Les "
                "partenaires du consortium RE-CENTRE ne peuvent pas présenter de candidature."
            ),
            "vouchers": {
                "Collaboration innovation voucher": {
                    "name": "Chèque d'innovation collaborative",
                    "description": (
                        "Un projet commun d'innovation numérique ou verte mené par 2 à 4 PME d'au "
                        "moins 2 pays."
                    ),
                },
                "Internationalisation voucher (Mexico and Chile)": {
                    "name": "Chèque d'internationalisation (Mexique et Chili)",
                    "description": (
                        "10 000 EUR au total pour 40 PME : participation aux rencontres B2B au "
                        "Mexique et au Chili."
                    ),
                },
            },
            "documents": {
                "Signed declaration of honour (PDF)": {
                    "name": "Déclaration sur l'honneur signée (PDF)",
                    "description": (
                        "La déclaration sur l'honneur de l'appel, datée et signée par le "
                        "représentant légal."
                    ),
                },
                "SME self-declaration": {
                    "name": "Autodéclaration de PME",
                    "description": (
                        "L'autodéclaration de PME (recommandation 2003/361/CE), signée."
                    ),
                },
                "Partnership letter": {
                    "name": "Lettre de partenariat",
                    "description": (
                        "Pour les projets collaboratifs : une lettre signée par chaque PME "
                        "partenaire."
                    ),
                },
            },
        },
        "it": {
            "title": (
                "Voucher RE-CENTRE per l'innovazione collaborativa e l'internazionalizzazione"
            ),
            "summary": (
                "Voucher per l'innovazione per circa 20 progetti di collaborazione tra 2 e 4 PMI "
                "dei settori del mobile e dell'arredo d'interni, dell'IT e dell'energia (EUR "
                "1.040.000), e voucher di internazionalizzazione per 40 PMI che esplorano i "
                "mercati del Messico e del Cile (EUR 10.000)."
            ),
            "description": (
                "I progetti di collaborazione riuniscono PMI di almeno due paesi diversi (e, "
                "idealmente, di due dei tre settori) attorno a un'innovazione digitale o verde. "
                "Ciascun progetto riceve fino a EUR 52.000, ripartiti tra le sue PMI.\n\n"
                "I voucher di internazionalizzazione coprono la partecipazione di una PMI agli "
                "incontri B2B organizzati in Messico e in Cile."
            ),
            "eligibility_summary": (
                "PMI dei settori del mobile e dell'arredo d'interni, dell'IT o dell'energia "
                "legalmente stabilite in uno Stato membro dell'UE o in un paese associato al "
                "programma per il mercato unico. I progetti di collaborazione richiedono da 2 a 4 "
                "PMI di almeno 2 paesi; la PMI capofila presenta la domanda per tutte. I partner "
                "del consorzio RE-CENTRE non possono presentare domanda."
            ),
            "vouchers": {
                "Collaboration innovation voucher": {
                    "name": "Voucher per l'innovazione collaborativa",
                    "description": (
                        "Un progetto congiunto di innovazione digitale o verde realizzato da 2 a "
                        "4 PMI di almeno 2 paesi."
                    ),
                },
                "Internationalisation voucher (Mexico and Chile)": {
                    "name": "Voucher di internazionalizzazione (Messico e Cile)",
                    "description": (
                        "EUR 10.000 in totale per 40 PMI: partecipazione agli incontri B2B in "
                        "Messico e in Cile."
                    ),
                },
            },
            "documents": {
                "Signed declaration of honour (PDF)": {
                    "name": "Dichiarazione sull'onore firmata (PDF)",
                    "description": (
                        "La dichiarazione sull'onore del bando, datata e firmata dal "
                        "rappresentante legale."
                    ),
                },
                "SME self-declaration": {
                    "name": "Autodichiarazione di PMI",
                    "description": (
                        "L'autodichiarazione di PMI (raccomandazione 2003/361/CE), firmata."
                    ),
                },
                "Partnership letter": {
                    "name": "Lettera di partenariato",
                    "description": (
                        "Per i progetti di collaborazione: una lettera firmata da ciascuna PMI "
                        "partner."
                    ),
                },
            },
        },
        "ro": {
            "title": "Vouchere RE-CENTRE pentru inovare colaborativă și internaționalizare",
            "summary": (
                "Vouchere de inovare pentru aproximativ 20 de proiecte de colaborare între 2 și 4 "
                "IMM-uri din sectoarele mobilier și amenajări interioare, IT și energie (EUR "
                "1.040.000) și vouchere de internaționalizare pentru 40 de IMM-uri care "
                "explorează piețele din Mexic și Chile (EUR 10.000)."
            ),
            "description": (
                "Proiectele de colaborare reunesc IMM-uri din cel puțin două țări diferite (și, "
                "în mod ideal, din două dintre cele trei sectoare) în jurul unei inovări digitale "
                "sau verzi. Fiecare proiect primește până la EUR 52.000, împărțiți între "
                "IMM-urile sale.\n\n"
                "Voucherele de internaționalizare acoperă participarea unui IMM la întâlnirile "
                "B2B organizate în Mexic și Chile."
            ),
            "eligibility_summary": (
                "IMM-uri din sectoarele mobilier și amenajări interioare, IT sau energie, "
                "stabilite legal într-un stat membru al UE sau într-o țară asociată la Programul "
                "privind piața unică. Proiectele de colaborare necesită între 2 și 4 IMM-uri din "
                "cel puțin 2 țări; IMM-ul lider depune cererea în numele tuturor. Partenerii "
                "consorțiului RE-CENTRE nu pot depune cereri."
            ),
            "vouchers": {
                "Collaboration innovation voucher": {
                    "name": "Voucher de inovare colaborativă",
                    "description": (
                        "Un proiect comun de inovare digitală sau verde, realizat de 2 până la 4 "
                        "IMM-uri din cel puțin 2 țări."
                    ),
                },
                "Internationalisation voucher (Mexico and Chile)": {
                    "name": "Voucher de internaționalizare (Mexic și Chile)",
                    "description": (
                        "EUR 10.000 în total pentru 40 de IMM-uri: participarea la întâlnirile "
                        "B2B din Mexic și Chile."
                    ),
                },
            },
            "documents": {
                "Signed declaration of honour (PDF)": {
                    "name": "Declarație pe propria răspundere semnată (PDF)",
                    "description": (
                        "Declarația pe propria răspundere aferentă apelului, datată și semnată de "
                        "reprezentantul legal."
                    ),
                },
                "SME self-declaration": {
                    "name": "Declarație pe propria răspundere privind statutul de IMM",
                    "description": (
                        "Declarația pe propria răspundere privind statutul de IMM (Recomandarea "
                        "2003/361/CE), semnată."
                    ),
                },
                "Partnership letter": {
                    "name": "Scrisoare de parteneriat",
                    "description": (
                        "Pentru proiectele de colaborare: o scrisoare semnată de fiecare IMM "
                        "partener."
                    ),
                },
            },
        },
    },
    "DESIRE-2026": {
        "ro": {
            "title": "Programul de mentorat DESIRE pentru IMM-urile din domeniul e-sănătății",
            "summary": (
                "Sprijin financiar și mentorat pentru 35 de IMM-uri din domeniul e-sănătății și "
                "al sănătății digitale: inovare de produs, inovare a proceselor de afaceri, "
                "internaționalizare către țări terțe."
            ),
            "description": (
                "Voucherele de inovare de produs reduc dependența de factorii de producție "
                "critici și aduc pe piață noi produse și servicii de e-sănătate. Voucherele de "
                "inovare a proceselor de afaceri modernizează modul de lucru al IMM-ului. "
                "Voucherele de internaționalizare pregătesc intrarea pe piețe din afara UE. "
                "Fiecare IMM finanțat elaborează, de asemenea, împreună cu mentorul său, un plan "
                "de reziliență și de continuitate a activității."
            ),
            "eligibility_summary": (
                "IMM-uri care dezvoltă produse sau servicii de e-sănătate ori de sănătate "
                "digitală, stabilite legal într-un stat membru al UE sau într-o țară asociată la "
                "Programul privind piața unică. Partenerii consorțiului DESIRE nu pot depune "
                "cereri."
            ),
            "vouchers": {
                "Product innovation voucher": {
                    "name": "Voucher de inovare de produs",
                    "description": "Un produs sau un serviciu nou pentru întreprindere.",
                },
                "Business-process innovation voucher": {
                    "name": "Voucher de inovare a proceselor de afaceri",
                    "description": "Un proces de afaceri nou sau îmbunătățit.",
                },
                "Internationalisation voucher (third countries)": {
                    "name": "Voucher de internaționalizare (țări terțe)",
                    "description": "Intrarea pe o piață din afara UE și a țărilor asociate.",
                },
            },
            "documents": {
                "Signed declaration of honour (PDF)": {
                    "name": "Declarație pe propria răspundere semnată (PDF)",
                    "description": (
                        "Declarația pe propria răspundere aferentă apelului, datată și semnată de "
                        "reprezentantul legal."
                    ),
                },
                "SME self-declaration": {
                    "name": "Declarație pe propria răspundere privind statutul de IMM",
                    "description": (
                        "Declarația pe propria răspundere privind statutul de IMM (Recomandarea "
                        "2003/361/CE), semnată."
                    ),
                },
            },
        },
        "bg": {
            "title": (
                "Програма за менторство DESIRE за МСП в областта на електронното здравеопазване"
            ),
            "summary": (
                "Финансова подкрепа и менторство за 35 МСП в областта на електронното и цифровото "
                "здравеопазване: продуктови иновации, иновации в бизнес процесите, "
                "интернационализация към трети държави."
            ),
            "description": (
                "Ваучерите за продуктови иновации намаляват зависимостта от критично важни "
                "ресурси и извеждат на пазара нови продукти и услуги в областта на електронното "
                "здравеопазване. Ваучерите за иновации в бизнес процесите модернизират начина на "
                "работа на МСП. Ваучерите за интернационализация подготвят навлизането на пазари "
                "извън ЕС. Всяко финансирано МСП изготвя също така заедно със своя ментор план за "
                "устойчивост и непрекъснатост на дейността."
            ),
            "eligibility_summary": (
                "МСП, които разработват продукти или услуги в областта на електронното или "
                "цифровото здравеопазване и са законно установени в държава членка на ЕС или в "
                "държава, асоциирана към Програмата за единния пазар. Партньорите от консорциума "
                "DESIRE не могат да кандидатстват."
            ),
            "vouchers": {
                "Product innovation voucher": {
                    "name": "Ваучер за продуктови иновации",
                    "description": "Продукт или услуга, нови за предприятието.",
                },
                "Business-process innovation voucher": {
                    "name": "Ваучер за иновации в бизнес процесите",
                    "description": "Нов или подобрен бизнес процес.",
                },
                "Internationalisation voucher (third countries)": {
                    "name": "Ваучер за интернационализация (трети държави)",
                    "description": "Навлизане на пазар извън ЕС и асоциираните държави.",
                },
            },
            "documents": {
                "Signed declaration of honour (PDF)": {
                    "name": "Подписана декларация на честта (PDF)",
                    "description": (
                        "Декларацията на честта по поканата, датирана и подписана от законния "
                        "представител."
                    ),
                },
                "SME self-declaration": {
                    "name": "Самодекларация за статут на МСП",
                    "description": (
                        "Самодекларацията за статут на МСП (Препоръка 2003/361/ЕО), подписана."
                    ),
                },
            },
        },
    },
}

# Keyed by the English criterion name (demo_data.CRITERIA).
CRITERIA = {
    "Excellence": {
        "fr": {
            "name": "Excellence",
            "description": (
                "Clarté des objectifs, solidité et caractère novateur de la solution proposée."
            ),
        },
        "it": {
            "name": "Eccellenza",
            "description": (
                "Chiarezza degli obiettivi, solidità e novità della soluzione proposta."
            ),
        },
        "ro": {
            "name": "Excelență",
            "description": "Claritatea obiectivelor, soliditatea și noutatea soluției propuse.",
        },
        "bg": {
            "name": "Високи постижения",
            "description": "Яснота на целите, обоснованост и новост на предложеното решение.",
        },
    },
    "Impact": {
        "fr": {
            "name": "Impact",
            "description": (
                "Effet escompté sur la compétitivité, la résilience et la transition verte et "
                "numérique de la ou des PME, avec des indicateurs mesurables."
            ),
        },
        "it": {
            "name": "Impatto",
            "description": (
                "Effetto atteso sulla competitività, sulla resilienza e sulla transizione verde e "
                "digitale della PMI o delle PMI, con indicatori misurabili."
            ),
        },
        "ro": {
            "name": "Impact",
            "description": (
                "Efectul preconizat asupra competitivității, rezilienței și tranziției verzi și "
                "digitale a IMM-ului sau a IMM-urilor, cu indicatori măsurabili."
            ),
        },
        "bg": {
            "name": "Въздействие",
            "description": (
                "Очакван ефект върху конкурентоспособността, устойчивостта и зеления и цифровия "
                "преход на МСП, с измерими показатели."
            ),
        },
    },
    "Implementation": {
        "fr": {
            "name": "Mise en œuvre",
            "description": (
                "Qualité du plan de travail, du budget et de l'équipe ; capacité à obtenir les "
                "résultats dans les délais."
            ),
        },
        "it": {
            "name": "Attuazione",
            "description": (
                "Qualità del piano di lavoro, del budget e del gruppo; capacità di realizzare il "
                "progetto nei tempi previsti."
            ),
        },
        "ro": {
            "name": "Implementare",
            "description": (
                "Calitatea planului de lucru, a bugetului și a echipei; capacitatea de a obține "
                "rezultatele la termen."
            ),
        },
        "bg": {
            "name": "Изпълнение",
            "description": (
                "Качество на работния план, бюджета и екипа; способност за постигане на "
                "резултатите в срок."
            ),
        },
    },
}
